/**
 * The copy orchestration's pure decisions: when to retry, give up, time out and continue as new. No SDK, no
 * clock, no I/O: every input is passed in, so each rule has a table test that runs in milliseconds.
 */
import type { CopySettings } from '../../domain/copyContracts';
import { copyError } from '../../domain/copyDocument';
import type { Counters, Outcome } from '../../domain/copyState';
import type { ReplicationState } from '../../domain/replication';

/** Consecutive activity calls that failed after every attempt, before a copy gives up. */
export const MAX_TRANSIENT_FAILURES = 3;
/** Azure refusals of the copy PUT that the turn check could not explain, before the copy fails. */
export const MAX_REFUSALS = 3;

/** At most this many history events in any one execution. */
export const MAX_HISTORY_EVENTS = 100;
/**
 * History events per task the orchestration yields, when each lands in an episode of its own: the scheduling
 * event (TaskScheduled or TimerCreated), the completion, and the episode's OrchestratorStarted/Completed.
 */
export const EVENTS_PER_TASK = 4;
/** ExecutionStarted, the first episode's OrchestratorStarted/Completed, and the closing ContinueAsNew. */
export const EVENTS_PER_EXECUTION = 4;
/**
 * Events nobody asked for: a cancel raised during an activity costs an episode of three (OrchestratorStarted,
 * EventRaised, OrchestratorCompleted); room for it and a duplicate, and for two turns that came too late to be
 * taken (a copy already past its queue is nudged by a waiter that read its status just before it moved on).
 */
export const UNSOLICITED_EVENTS = 12;

export type ActivityRetry = CopySettings['activityRetry'];

export type AfterFailure =
  /** Try the same call again after this back-off. */
  | { kind: 'retry'; delaySeconds: number; counters: Counters }
  /** Every attempt failed: count one transient failure; `giveUp` once they reach the limit. */
  | { kind: 'exhausted'; giveUp: boolean; counters: Counters };

/**
 * After an attempt of an activity threw (a transient failure: 408, 5xx, the network). Attempts back off
 * exponentially; when they run out, the call counts as one transient failure.
 */
export function afterFailedAttempt(counters: Counters, retry: ActivityRetry): AfterFailure {
  const failedAttempts = counters.failedAttempts + 1;
  if (failedAttempts < retry.maxNumberOfAttempts) {
    return {
      kind: 'retry',
      delaySeconds: retry.firstRetryIntervalSeconds * retry.backoffCoefficient ** (failedAttempts - 1),
      counters: { ...counters, failedAttempts },
    };
  }
  const transientFailures = counters.transientFailures + 1;
  return {
    kind: 'exhausted',
    giveUp: transientFailures >= MAX_TRANSIENT_FAILURES,
    counters: { ...counters, failedAttempts: 0, transientFailures },
  };
}

/** After a call that answered (whatever it said): the failure streak ends. */
export function afterAnswer(counters: Counters): Counters {
  return { ...counters, failedAttempts: 0, transientFailures: 0 };
}

/** The outcome of a copy that kept failing transiently. */
export function unavailable(message: string): Outcome {
  return {
    status: 'Failed',
    error: copyError('platform-failure', 'AzureUnavailable', `Azure kept failing: ${message}`),
  };
}

/** After Azure refused a copy request the turn check could not explain: try again from the queue, or fail. */
export function afterRefusal(counters: Counters): { giveUp: boolean; counters: Counters } {
  const refusals = counters.refusals + 1;
  return { giveUp: refusals >= MAX_REFUSALS, counters: { ...counters, refusals } };
}

/**
 * Before Azure accepts the copy, the deadline runs from the request: a copy may wait its turn, or out
 * throttling, only so long. The outcome once it has passed, else undefined.
 */
export function startTimeout(
  createdAt: string,
  nowMs: number,
  copyTimeoutSeconds: number,
  counters: Counters,
): Outcome | undefined {
  if (nowMs < Date.parse(createdAt) + copyTimeoutSeconds * 1000) {
    return undefined;
  }
  return {
    status: 'TimedOut',
    error: counters.throttledLast
      ? copyError(
          'throttled',
          'ThrottledTooLong',
          'Azure kept throttling the copy request until the deadline.',
        )
      : copyError('timeout', 'QueuedTooLong', 'The copy never got its turn before the deadline.'),
  };
}

export interface GenerationCounts {
  /** Tasks (activity attempts, entity calls and timers) this execution has yielded. */
  tasks: number;
  /** Timers among them. */
  waits: number;
  /** Events the turns taken so far add beyond their tasks (a cut-short timer still fires). */
  lateEvents: number;
}

/**
 * The most history events an execution can hold once it has yielded `tasks` tasks, seen turns that add
 * `lateEvents`, and closed.
 */
export function historyBound(tasks: number, lateEvents = 0): number {
  return EVENTS_PER_EXECUTION + EVENTS_PER_TASK * tasks + lateEvents + UNSOLICITED_EVENTS;
}

/**
 * Whether to hand over to a fresh generation before the next task: before a wait once the generation has
 * waited `pollsPerGeneration` times, and before any task that could take the history past
 * {@link MAX_HISTORY_EVENTS}. A fresh generation always yields at least one task first, so it progresses.
 */
export function shouldContinueAsNew(
  counts: GenerationCounts,
  nextIsWait: boolean,
  pollsPerGeneration: number,
): boolean {
  if (counts.tasks === 0) {
    return false;
  }
  return (
    (nextIsWait && counts.waits >= pollsPerGeneration) ||
    historyBound(counts.tasks + 1, counts.lateEvents) > MAX_HISTORY_EVENTS
  );
}

/** What a progress read means for the copy: done, failed, timed out, or look again. */
export function afterProgress(
  state: ReplicationState,
  pastDeadline: boolean,
): 'succeeded' | 'failed' | 'timed-out' | 'continue' {
  if (state === 'succeeded' || state === 'failed') {
    return state;
  }
  return pastDeadline ? 'timed-out' : 'continue';
}
