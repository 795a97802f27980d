import type { CarriedState, CopyTarget, FinishPhase, Outcome, PollPhase } from '../../domain/copyState';
import { finalProgress } from '../../domain/copyDocument';
import { initialPollState } from '../../domain/polling';
import { afterFailedAttempt, unavailable } from './decisions';
import type { CopyRun } from './run';

/**
 * Ends the copy with `outcome`: the document turns terminal now (so the API answers a late cancel with 409),
 * then the finish phase removes the target if needed and publishes the event.
 */
export function finishWith(run: CopyRun, state: CarriedState, outcome: Outcome): FinishPhase {
  const { document } = run.update(state, {
    status: outcome.status,
    completedAt: run.nowIso(),
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    progress: finalProgress(state.document.progress, outcome.status),
  });
  run.log(
    outcome.status === 'Succeeded' ? 'info' : 'warn',
    `ended ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ''}`,
  );
  const deleteTarget = outcome.deleteTarget === true && document.targetRestorePointId !== null;
  return {
    phase: 'finish',
    document,
    generation: state.generation,
    counters: { ...state.counters, failedAttempts: 0 },
    outcome,
    step: deleteTarget ? 'delete' : 'publish',
  };
}

/**
 * After an attempt threw: try again after a back-off, or (every attempt failed) give up once transient
 * failures reach their limit, else look again after `recheckSeconds`.
 */
export function afterThrown<S extends Exclude<CarriedState, FinishPhase>>(
  run: CopyRun,
  state: S,
  message: string,
  recheckSeconds: number,
): S | FinishPhase {
  const next = afterFailedAttempt(state.counters, run.settings.activityRetry);
  if (next.kind === 'retry') {
    return { ...state, counters: next.counters, wakeAt: run.inSeconds(next.delaySeconds) };
  }
  if (next.giveUp) {
    return finishWith(run, { ...state, counters: next.counters }, unavailable(message));
  }
  return { ...state, counters: next.counters, wakeAt: run.inSeconds(recheckSeconds) };
}

/** Azure accepted the copy (now or in an earlier attempt): from here on, replication is polled. */
export function startPolling(
  run: CopyRun,
  state: Exclude<CarriedState, FinishPhase | PollPhase>,
  target: CopyTarget,
): PollPhase {
  const { document } = run.update(state, {
    status: 'Replicating',
    targetRestorePointId: target.restorePointId,
    startedAt: run.nowIso(),
  });
  return {
    phase: 'poll',
    document,
    generation: state.generation,
    counters: { ...state.counters, failedAttempts: 0, transientFailures: 0 },
    target,
    deadline: run.inSeconds(run.settings.copyTimeoutSeconds),
    poll: initialPollState(),
    startedEventPublished: false,
    unknownCodes: '',
  };
}
