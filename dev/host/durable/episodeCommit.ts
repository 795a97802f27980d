/**
 * The pure half of an orchestration episode: what DTFx's dispatcher does with the orchestrator's
 * decisions once replay is over. It turns them into new history events, the instance row to store and
 * the messages, activities and child starts to send, without a clock (the episode's `now` is passed in),
 * without I/O and without randomness (new execution IDs come from `newExecutionId`), so every rule here
 * can be table-tested in milliseconds.
 */
import type { HistoryEvent } from '../contract';
import { eventMessage, releasesOwed } from './entityProtocol';
import { EventType, historyEvent, parseJsonOrRaw, stringField } from './historyEvents';
import { OrchestrationStatusNumber } from './instanceStatus';
import type { Decision, ReplayOutcome, WireFailureDetails } from './replayEpisode';
import type { InstanceRow, NewActivity, NewMessage, ParentInfo } from './durableStore';

export interface ChildStart {
  row: InstanceRow;
  start: HistoryEvent;
}

/** What an episode leaves behind for the store, accumulated over its continueAsNew generations. */
export interface EpisodeEffects {
  messages: NewMessage[];
  activities: NewActivity[];
  children: ChildStart[];
}

export interface EpisodeCommitInput {
  row: InstanceRow;
  /** The events this generation received (OrchestratorStarted first), not yet marked played. */
  fresh: HistoryEvent[];
  outcome: ReplayOutcome;
  now: number;
  /** `StoreInputsInOrchestrationHistory`. */
  storeInputs: boolean;
  newExecutionId: () => string;
}

/**
 * Either the generation continued as new (run `fresh` against `row` next, and the history is replaced),
 * or the episode is over and `history` is what to append. `notice` names what the host should log.
 */
export type EpisodeCommit = ContinuedEpisode | SettledEpisode;

export interface ContinuedEpisode {
  kind: 'continuedAsNew';
  row: InstanceRow;
  fresh: HistoryEvent[];
  effects: EpisodeEffects;
}

export interface SettledEpisode {
  kind: 'settled';
  row: InstanceRow;
  history: HistoryEvent[];
  effects: EpisodeEffects;
  notice: 'failed' | 'stalled' | undefined;
}

type Completion = Extract<Decision, { kind: 'complete' }>;

export function emptyEffects(): EpisodeEffects {
  return { messages: [], activities: [], children: [] };
}

/** Commits one generation's decisions; `effects` collects what earlier generations of the episode sent. */
export function commitEpisode(
  input: EpisodeCommitInput,
  effects: EpisodeEffects = emptyEffects(),
): EpisodeCommit {
  const { outcome, now } = input;
  const row: InstanceRow = { ...input.row };
  if (outcome.customStatus !== undefined) {
    row.customStatus = JSON.stringify(outcome.customStatus);
  }
  const appended = markPlayed(input.fresh);
  let completion: Completion | undefined;
  for (const decision of outcome.decisions) {
    if (decision.kind === 'complete') {
      completion = decision;
      appended.push(completionEvent(decision, now));
    } else {
      appended.push(scheduleDecision(decision, row, input, effects));
    }
  }
  if (completion?.status === 'ContinuedAsNew') {
    return continueAsNew(row, completion, input, effects);
  }
  if (appended[appended.length - 1]?.EventType !== EventType.OrchestratorCompleted) {
    appended.push(historyEvent(EventType.OrchestratorCompleted, now));
  }
  row.lastUpdatedTime = now;
  let notice: 'failed' | 'stalled' | undefined;
  if (completion) {
    row.runtimeStatus = completion.status;
    row.output = completion.result;
    notifyParent(row, completion, now, effects.messages);
    if (completion.status === 'Failed') {
      notice = 'failed';
    }
  } else {
    row.runtimeStatus = outcome.isSuspended ? 'Suspended' : 'Running';
    if (outcome.stalled) {
      notice = 'stalled';
    }
  }
  return { kind: 'settled', row, history: appended, effects, notice };
}

/** The next generation starts in the same episode; the generation that ended leaves no history behind. */
function continueAsNew(
  current: InstanceRow,
  decision: Completion,
  { now, newExecutionId }: EpisodeCommitInput,
  effects: EpisodeEffects,
): ContinuedEpisode {
  const next: InstanceRow = {
    ...current,
    executionId: newExecutionId(),
    runtimeStatus: 'Running',
    input: decision.result,
    output: null,
    createdTime: now,
    lastUpdatedTime: now,
  };
  const carriedCompletion = historyEvent(EventType.OrchestratorCompleted, now);
  // Recorded on the real extension: this one is IsPlayed on later replays, unlike any other.
  storedAsPlayed.add(carriedCompletion);
  const fresh = [
    historyEvent(EventType.OrchestratorStarted, now),
    executionStartedEvent(next, now),
    ...decision.carryoverEvents,
    carriedCompletion,
  ];
  return { kind: 'continuedAsNew', row: next, fresh, effects };
}

/** The episode for a terminate request: no orchestrator code runs, the execution just ends. */
export function commitTermination(
  row: InstanceRow,
  past: HistoryEvent[],
  fresh: HistoryEvent[],
  now: number,
): SettledEpisode {
  const terminated = fresh.find((event) => event.EventType === EventType.ExecutionTerminated);
  const reason = terminated ? (stringField(terminated, 'Input') ?? null) : null;
  const history = [
    ...markPlayed(fresh),
    historyEvent(EventType.ExecutionCompleted, now, {
      OrchestrationStatus: OrchestrationStatusNumber.Terminated,
      Result: reason,
    }),
    historyEvent(EventType.OrchestratorCompleted, now),
  ];
  const updated: InstanceRow = { ...row, runtimeStatus: 'Terminated', output: reason, lastUpdatedTime: now };
  const effects = emptyEffects();
  for (const release of releasesOwed(row.instanceId, past, now)) {
    effects.messages.push({ ...release, visibleAt: now });
  }
  notifyParent(
    updated,
    { status: 'Terminated', result: reason, details: null, failureDetails: undefined },
    now,
    effects.messages,
  );
  return { kind: 'settled', row: updated, history, effects, notice: undefined };
}

/** The history event for a task, timer or sub-orchestration decision; its side effect goes to `effects`. */
function scheduleDecision(
  decision: Exclude<Decision, Completion>,
  row: InstanceRow,
  { now, storeInputs, newExecutionId }: EpisodeCommitInput,
  effects: EpisodeEffects,
): HistoryEvent {
  switch (decision.kind) {
    case 'scheduleTask':
      effects.activities.push({
        instanceId: row.instanceId,
        executionId: row.executionId,
        taskId: decision.id,
        name: decision.name,
        input: decision.input,
      });
      return historyEvent(
        EventType.TaskScheduled,
        now,
        {
          Name: decision.name,
          Version: '',
          // Without storeInputsInOrchestrationHistory the real extension keeps no input here.
          Input: storeInputs ? JSON.stringify([parseJsonOrRaw(decision.input ?? null)]) : null,
          ParentTraceContext: null,
          Tags: null,
        },
        decision.id,
      );
    case 'createTimer': {
      const fireAt = new Date(decision.fireAt).toISOString();
      effects.messages.push({
        instanceId: row.instanceId,
        executionId: row.executionId,
        event: historyEvent(EventType.TimerFired, Math.max(now, decision.fireAt), {
          TimerId: decision.id,
          FireAt: fireAt,
        }),
        visibleAt: decision.fireAt,
      });
      return historyEvent(EventType.TimerCreated, now, { FireAt: fireAt }, decision.id);
    }
    case 'sendEvent': {
      const message = eventMessage(decision.instanceId, null, decision.name, decision.input, now);
      effects.messages.push({ ...message, visibleAt: now });
      return historyEvent(
        EventType.EventSent,
        now,
        { InstanceId: decision.instanceId, Name: decision.name, Input: decision.input },
        decision.id,
      );
    }
    case 'createSubOrchestration': {
      const parent: ParentInfo = {
        instanceId: row.instanceId,
        executionId: row.executionId,
        name: row.name,
        taskScheduleId: decision.id,
      };
      const childRow: InstanceRow = {
        instanceId: decision.instanceId,
        name: decision.name,
        version: decision.version ?? null,
        executionId: newExecutionId(),
        runtimeStatus: 'Pending',
        input: decision.input,
        output: null,
        customStatus: null,
        createdTime: now,
        lastUpdatedTime: now,
        parent,
      };
      effects.children.push({ row: childRow, start: executionStartedEvent(childRow, now) });
      return historyEvent(
        EventType.SubOrchestrationInstanceCreated,
        now,
        {
          Name: decision.name,
          Version: decision.version ?? null,
          InstanceId: decision.instanceId,
          Input: storeInputs ? decision.input : null,
          ClientSpanId: null,
          Tags: null,
        },
        decision.id,
      );
    }
  }
}

function completionEvent(decision: Completion, now: number): HistoryEvent {
  if (decision.status === 'ContinuedAsNew') {
    return historyEvent(EventType.ContinueAsNew, now, { Result: decision.result }, decision.id);
  }
  return historyEvent(
    EventType.ExecutionCompleted,
    now,
    {
      OrchestrationStatus: OrchestrationStatusNumber[decision.status],
      Result: decision.result,
      ...(decision.failureDetails ? { FailureDetails: decision.failureDetails } : {}),
    },
    decision.id,
  );
}

function notifyParent(
  row: InstanceRow,
  completion: Pick<Completion, 'status' | 'result' | 'details'> & {
    failureDetails: WireFailureDetails | undefined;
  },
  now: number,
  messages: NewMessage[],
): void {
  if (!row.parent) {
    return;
  }
  const event =
    completion.status === 'Completed'
      ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
          TaskScheduledId: row.parent.taskScheduleId,
          Result: completion.result,
        })
      : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: row.parent.taskScheduleId,
          Reason: completion.result,
          Details: completion.details,
          ...(completion.failureDetails ? { FailureDetails: completion.failureDetails } : {}),
        });
  messages.push({
    instanceId: row.parent.instanceId,
    executionId: row.parent.executionId,
    event,
    visibleAt: now,
  });
}

/** `fromClient`: DTFx sets Generation 0 only on a client start; continueAsNew and sub-orchestrations leave it null. */
export function executionStartedEvent(row: InstanceRow, now: number, fromClient = false): HistoryEvent {
  const fields: Record<string, unknown> = {
    OrchestrationInstance: { InstanceId: row.instanceId, ExecutionId: row.executionId },
    // The DTFx ExecutionStartedEvent data contract as the real extension serializes it (nulls included).
    ParentInstance: null,
    Name: row.name,
    Version: row.version ?? null,
    Input: row.input,
    Tags: null,
    Correlation: null,
    ParentTraceContext: null,
    ScheduledStartTime: null,
    Generation: fromClient ? 0 : null,
    GenerateNewTrace: false,
  };
  if (row.parent) {
    fields.ParentInstance = {
      Name: row.parent.name,
      Version: null,
      OrchestrationInstance: { InstanceId: row.parent.instanceId, ExecutionId: row.parent.executionId },
      TaskScheduleId: row.parent.taskScheduleId,
    };
  }
  return historyEvent(EventType.ExecutionStarted, now, fields);
}

/**
 * DTFx marks every event it processed as played, and Azure Storage persists the flag, so the events an
 * episode received are stored with `IsPlayed: true` (the payload for that episode still said false).
 * OrchestratorStarted/Completed are never processed as events and keep false, except the ones in
 * `storedAsPlayed`.
 */
const storedAsPlayed = new WeakSet<HistoryEvent>();

function markPlayed(events: HistoryEvent[]): HistoryEvent[] {
  return events.map((event) =>
    (event.EventType === EventType.OrchestratorStarted ||
      event.EventType === EventType.OrchestratorCompleted) &&
    !storedAsPlayed.has(event)
      ? event
      : { ...event, IsPlayed: true },
  );
}
