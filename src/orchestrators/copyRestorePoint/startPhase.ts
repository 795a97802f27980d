import type { Task } from 'durable-functions';

import { copyError } from '../../domain/copyDocument';
import type { CarriedState, StartPhase } from '../../domain/copyState';
import { afterAnswer, afterRefusal } from './decisions';
import { checkTurn, skippedOutOfOrder, startTimedOut } from './queuePhase';
import type { CopyRun } from './run';
import { afterThrown, finishWith, startPolling } from './transitions';

/** Creates the target collection, then asks Azure to copy; a refusal is explained by the turn check. */
export function* startStep(run: CopyRun, state: StartPhase): Generator<Task, CarriedState, unknown> {
  const timedOut = startTimedOut(run, state);
  if (timedOut !== undefined) {
    return finishWith(run, state, timedOut);
  }
  const starting = state.document.status === 'Starting' ? state : run.update(state, { status: 'Starting' });
  switch (starting.step) {
    case 'collection':
      return yield* ensureCollection(run, starting);
    case 'copy':
      return yield* requestCopy(run, starting);
    case 'refused':
      return yield* explainRefusal(run, starting);
  }
}

function* ensureCollection(run: CopyRun, state: StartPhase): Generator<Task, CarriedState, unknown> {
  const ensured = yield* run.call('ensureTargetCollection', {
    sourceCollectionId: state.source.collectionId,
    ...(state.source.vmId === undefined ? {} : { sourceVmId: state.source.vmId }),
    targetCollectionId: state.target.collectionId,
    targetRegion: run.input.targetRegion,
  });
  if (!ensured.ok) {
    return afterThrown(run, state, ensured.message, run.settings.queueRecheckSeconds);
  }
  const answered = { ...state, counters: afterAnswer(state.counters) };
  switch (ensured.value.kind) {
    case 'fail':
      return finishWith(run, answered, { status: 'Failed', error: ensured.value.error });
    case 'throttled':
      return { ...answered, wakeAt: run.inSeconds(ensured.value.retryAfterSeconds) };
    case 'ready':
      return { ...answered, step: 'copy' };
  }
}

function* requestCopy(run: CopyRun, state: StartPhase): Generator<Task, CarriedState, unknown> {
  const started = yield* run.call('startRestorePointCopy', {
    sourceRestorePointId: state.source.restorePointId,
    targetRestorePointId: state.target.restorePointId,
  });
  if (!started.ok) {
    // The request may have reached Azure: a cancel from here on deletes the target to be sure.
    const unsure = { ...state, copyMayExist: true };
    return afterThrown(run, unsure, started.message, run.settings.queueRecheckSeconds);
  }
  const answered = { ...state, counters: afterAnswer(state.counters) };
  const result = started.value;
  switch (result.kind) {
    case 'started':
    case 'already-exists':
      return startPolling(run, answered, state.target);
    case 'throttled':
      run.log('info', `copy request throttled; retrying in ${result.retryAfterSeconds}s`);
      return {
        ...answered,
        counters: { ...answered.counters, throttledLast: true },
        wakeAt: run.inSeconds(result.retryAfterSeconds),
      };
    case 'target-busy':
      run.log(
        'info',
        `the failed target of an earlier run is being deleted; retrying in ${result.retryAfterSeconds}s`,
      );
      return { ...answered, wakeAt: run.inSeconds(result.retryAfterSeconds) };
    case 'fail':
      return finishWith(run, answered, { status: 'Failed', error: result.error });
    case 'refused':
      // Azure does not say why; the turn check tells ordering and a copy in flight apart.
      return { ...answered, step: 'refused', refusal: result.error };
  }
}

function* explainRefusal(run: CopyRun, state: StartPhase): Generator<Task, CarriedState, unknown> {
  const turn = yield* checkTurn(run, state);
  if (turn.ok && turn.value.kind === 'skip') {
    return finishWith(run, state, skippedOutOfOrder(turn.value.message));
  }
  if (turn.ok && turn.value.kind === 'already-copied') {
    return startPolling(run, state, { ...state.target, restorePointId: turn.value.targetRestorePointId });
  }
  const refusal = afterRefusal({ ...state.counters, failedAttempts: 0 });
  const error =
    state.refusal ?? copyError('platform-failure', 'CopyRefused', 'Azure refused the copy request.');
  if (refusal.giveUp) {
    return finishWith(run, state, { status: 'Failed', error });
  }
  run.log('warn', `copy refused (${error.code}); back to the queue`);
  const { document } = run.update(state, { status: 'Queued' });
  // It keeps its pair and its slot: only Azure's word is asked again.
  return {
    phase: 'queue',
    step: 'ordering',
    document,
    generation: state.generation,
    counters: refusal.counters,
    ...(state.inLine === true ? { inLine: true } : {}),
    ...(state.handoff === undefined ? {} : { handoff: state.handoff }),
    source: state.source,
    target: state.target,
    wakeAt: run.inSeconds(run.settings.queueRecheckSeconds),
  };
}
