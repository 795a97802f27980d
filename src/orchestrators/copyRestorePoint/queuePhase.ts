import type { Task } from 'durable-functions';

import type { CheckCopyTurnResult } from '../../domain/copyContracts';
import { copyError } from '../../domain/copyDocument';
import type { CarriedState, Outcome, QueuePhase, StartPhase } from '../../domain/copyState';
import type { Attempt, CopyRun } from './run';
import { afterAnswer, startTimeout } from './decisions';
import { afterThrown, finishWith, startPolling } from './transitions';

/** Asks whether this copy may go now (ordering per collection and region, the concurrency cap). */
export function* checkTurn(
  run: CopyRun,
  state: QueuePhase | StartPhase,
): Generator<Task, Attempt<CheckCopyTurnResult>, unknown> {
  return yield* run.call('checkCopyTurn', {
    copyId: run.input.copyId,
    sourceRestorePointId: state.source.restorePointId,
    sourceCollectionId: state.source.collectionId,
    sourceCreatedAt: state.source.createdAt,
    targetRegion: run.input.targetRegion,
    targetCollectionId: state.target.collectionId,
    createdAt: state.document.createdAt,
    maxConcurrentCopies: run.settings.maxConcurrentCopies,
  });
}

export function skippedOutOfOrder(message: string): Outcome {
  return { status: 'Skipped', reason: 'ordering', error: copyError('ordering', 'OutOfOrder', message) };
}

/** The outcome once the copy has waited (its turn, or out throttling) past its deadline, else undefined. */
export function startTimedOut(run: CopyRun, state: QueuePhase | StartPhase): Outcome | undefined {
  return startTimeout(state.document.createdAt, run.nowMs(), run.settings.copyTimeoutSeconds, state.counters);
}

/** Waits for the copy's turn: an older restore point first, a copy in flight, the concurrency cap. */
export function* queueStep(run: CopyRun, state: QueuePhase): Generator<Task, CarriedState, unknown> {
  const timedOut = startTimedOut(run, state);
  if (timedOut !== undefined) {
    return finishWith(run, state, timedOut);
  }
  const recheck = run.settings.queueRecheckSeconds;
  const turn = yield* checkTurn(run, state);
  if (!turn.ok) {
    return afterThrown(run, state, turn.message, recheck);
  }
  const answered = { ...state, counters: afterAnswer(state.counters) };
  const result = turn.value;
  switch (result.kind) {
    case 'go':
      return { ...answered, phase: 'start', step: 'collection', copyMayExist: false };
    case 'already-copied':
      // An earlier attempt's copy exists: watch it instead of starting another.
      return startPolling(run, answered, { ...state.target, restorePointId: result.targetRestorePointId });
    case 'skip':
      return finishWith(run, answered, skippedOutOfOrder(result.message));
    case 'fail':
      return finishWith(run, answered, { status: 'Failed', error: result.error });
    case 'throttled':
      return { ...answered, wakeAt: run.inSeconds(Math.max(recheck, result.retryAfterSeconds)) };
    case 'wait': {
      const waiting = { ...answered, counters: { ...answered.counters, throttledLast: false } };
      const queued = state.document.status === 'Queued' ? waiting : run.update(waiting, { status: 'Queued' });
      return { ...queued, wakeAt: run.inSeconds(Math.max(recheck, result.retryAfterSeconds ?? 0)) };
    }
  }
}
