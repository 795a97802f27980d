import type { HistoryEvent, OrchestrationTriggerPayload } from '../contract';
import type { InstanceRow } from './durableStore';
import { createExecution, isTerminal, newGuidN, type EngineContext } from './engineContext';
import { commitEpisode, commitTermination, emptyEffects, type SettledEpisode } from './episodeCommit';
import {
  EventType,
  eventTypeName,
  formatTimeSpan,
  historyEvent,
  parseJsonOrRaw,
  stringField,
} from './historyEvents';
import { replayEpisode, type ReplayOutcome } from './replayEpisode';

/** continueAsNew generations one episode may run back to back (they never leave the episode otherwise). */
const MAX_GENERATIONS_PER_EPISODE = 100;
/** .NET `TimeSpan.MaxValue`, what non-splitting providers advertise. */
const TIMESPAN_MAX = '10675199.02:48:05.4775807';

/** Runs one episode for the instance: takes its ready messages, runs the orchestrator and commits. */
export async function runEpisode(engine: EngineContext, instanceId: string): Promise<void> {
  const { store, clock } = engine;
  const messages = store.readyMessages(instanceId, clock.now());
  if (messages.length === 0) {
    return;
  }
  const consumed = messages.map((message) => message.id);
  const row = store.getInstance(instanceId);
  if (!row) {
    engine.log('warn', `Dropping ${messages.length} message(s) for unknown instance '${instanceId}'.`);
    store.transaction(() => store.deleteMessages(consumed));
    return;
  }
  const past = store.loadHistory(instanceId);
  let start: HistoryEvent | undefined;
  const accepted: HistoryEvent[] = [];
  for (const message of messages) {
    const event = message.event;
    if (event.EventType === EventType.ExecutionStarted) {
      if (message.executionId !== row.executionId || past.length > 0) {
        engine.log(
          'warn',
          `Instance '${instanceId}' is already ${row.runtimeStatus}; a second ExecutionStarted was discarded ` +
            `(a sub-orchestration ID that is still in use leaves its parent waiting forever).`,
        );
        continue;
      }
      start = event;
    } else if (
      isTerminal(row.runtimeStatus) ||
      (message.executionId !== null && message.executionId !== row.executionId)
    ) {
      engine.log(
        'debug',
        `Discarding ${eventTypeName(event.EventType)} for instance '${instanceId}' (stale or completed).`,
      );
    } else {
      accepted.push(event);
    }
  }
  if (start === undefined && past.length === 0) {
    if (accepted.length > 0) {
      engine.log(
        'warn',
        `Instance '${instanceId}' has no started execution; discarding ${accepted.length} message(s).`,
      );
    }
    accepted.length = 0;
  }
  if (start === undefined && accepted.length === 0) {
    store.transaction(() => store.deleteMessages(consumed));
    return;
  }
  const now = clock.now();
  const fresh = [historyEvent(EventType.OrchestratorStarted, now), ...(start ? [start] : []), ...accepted];
  const result = accepted.some((event) => event.EventType === EventType.ExecutionTerminated)
    ? { ...commitTermination(row, past, fresh, now), replaceHistory: false }
    : await orchestrate(engine, row, past, fresh);
  if (result === undefined || engine.stopped) {
    return;
  }
  storeEpisode(engine, row, consumed, result, now);
}

/** Invokes the orchestrator and commits its decisions, once per continueAsNew generation. */
async function orchestrate(
  engine: EngineContext,
  initial: InstanceRow,
  initialPast: HistoryEvent[],
  initialFresh: HistoryEvent[],
): Promise<(SettledEpisode & { replaceHistory: boolean }) | undefined> {
  let row = initial;
  let past = initialPast;
  let fresh = initialFresh;
  let effects = emptyEffects();
  let generations = 0;
  for (;;) {
    const now = engine.clock.now();
    const history = [...past, ...fresh];
    const outcome = await invokeOrchestrator(engine, row, history, past.length);
    if (outcome === undefined) {
      return undefined;
    }
    const step = commitEpisode(
      {
        row,
        fresh,
        outcome,
        now,
        storeInputs: engine.settings.storeInputs,
        newExecutionId: newGuidN,
      },
      effects,
    );
    if (step.kind === 'settled') {
      logNotice(engine, step);
      return { ...step, replaceHistory: generations > 0 };
    }
    ({ row, fresh, effects } = step);
    past = [];
    if (++generations > MAX_GENERATIONS_PER_EPISODE) {
      // DTFx would spin here forever; the dev host stops and says why.
      throw new Error(
        `the orchestration called continueAsNew ${MAX_GENERATIONS_PER_EPISODE} times in one episode without ` +
          'waiting for anything; it would never make progress',
      );
    }
  }
}

async function invokeOrchestrator(
  engine: EngineContext,
  row: InstanceRow,
  history: HistoryEvent[],
  pastLength: number,
): Promise<ReplayOutcome | undefined> {
  const { settings, invoker } = engine;
  const started = history.find((event) => event.EventType === EventType.ExecutionStarted);
  const payload: OrchestrationTriggerPayload = {
    history,
    input: parseJsonOrRaw(started ? (stringField(started, 'Input') ?? null) : null),
    instanceId: row.instanceId,
    isReplaying: pastLength > 0,
    parentInstanceId: row.parent?.instanceId ?? null,
    sourceInstanceId: null,
    // What extension 3.19.0 advertises (recorded in test/fixtures/real-durable): V2 for old SDKs,
    // V4 for new ones; durable-functions 3.5.0 then answers with schemaVersion 3.
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 3,
    longRunningTimerIntervalDuration: timeSpanOption(settings.longTimerIntervalMs),
    maximumShortTimerDuration: timeSpanOption(settings.maxShortTimerMs),
    defaultHttpAsyncRequestSleepTimeMillseconds: settings.httpSleepMs,
  };
  const invocation = await invoker.invokeOrchestrator(row.name, payload);
  if (engine.stopped) {
    return undefined;
  }
  if (invocation.kind === 'infrastructureError') {
    engine.log(
      'error',
      `Orchestrator '${row.name}' (instance '${row.instanceId}') could not be invoked: ${invocation.message}`,
    );
    return {
      decisions: [
        {
          kind: 'complete',
          id: 0,
          status: 'Failed',
          result: `Orchestrator function '${row.name}' failed: ${invocation.message}`,
          details: `Message: ${invocation.message}`,
          failureDetails: undefined,
          carryoverEvents: [],
        },
      ],
      customStatus: undefined,
      isSuspended: false,
      stalled: false,
    };
  }
  return replayEpisode(history, pastLength, invocation, {
    instanceId: row.instanceId,
    executionId: row.executionId,
    name: row.name,
    parentInstanceId: row.parent?.instanceId ?? null,
    maxShortTimerMs: settings.maxShortTimerMs,
    longTimerIntervalMs: settings.longTimerIntervalMs,
    failureFormat: settings.failureFormat,
    hasFunction: (name, kind) => invoker.hasFunction(name, kind),
    logger: engine.log,
  });
}

function logNotice(engine: EngineContext, { notice, row }: SettledEpisode): void {
  if (notice === 'failed') {
    engine.log('warn', `Instance '${row.instanceId}' (${row.name}) failed: ${row.output ?? ''}`);
  } else if (notice === 'stalled') {
    engine.log(
      'error',
      `WATCHDOG: instance '${row.instanceId}' (${row.name}) is not done, but nothing the host tracks can ` +
        `resume it (no open activity, timer, sub-orchestration or event wait). durable-functions is waiting ` +
        `on a task ID the host will never complete; the instance will stay Running forever.`,
    );
  }
}

function timeSpanOption(ms: number): string {
  return Number.isFinite(ms) ? formatTimeSpan(ms) : TIMESPAN_MAX;
}

/** Writes the episode's results in one transaction, unless its execution went away while it ran. */
function storeEpisode(
  engine: EngineContext,
  original: InstanceRow,
  consumed: number[],
  result: SettledEpisode & { replaceHistory: boolean },
  now: number,
): void {
  const { store } = engine;
  const armNow: { id: number; visibleAt: number }[] = [];
  store.transaction(() => {
    store.deleteMessages(consumed);
    const current = store.getInstance(original.instanceId);
    if (!current || current.executionId !== original.executionId) {
      // Purged or restarted while the episode ran: its effects belong to an execution that is gone.
      return;
    }
    store.writeHistory(result.row.instanceId, result.row.executionId, result.history, result.replaceHistory);
    store.upsertInstance(result.row);
    for (const message of result.effects.messages) {
      const id = store.insertMessage(message);
      if (message.visibleAt > now) {
        armNow.push({ id, visibleAt: message.visibleAt });
      }
    }
    for (const activity of result.effects.activities) {
      store.insertActivity(activity);
    }
    for (const child of result.effects.children) {
      const existing = store.getInstance(child.row.instanceId);
      if (existing && !isTerminal(existing.runtimeStatus)) {
        engine.log(
          'error',
          `Sub-orchestration instance '${child.row.instanceId}' already exists and is ${existing.runtimeStatus}; ` +
            `its parent '${original.instanceId}' will wait for it forever (the real host drops the duplicate start).`,
        );
        continue;
      }
      createExecution(store, child.row, now);
    }
  });
  for (const timer of armNow) {
    engine.arm(timer.id, timer.visibleAt);
  }
}
