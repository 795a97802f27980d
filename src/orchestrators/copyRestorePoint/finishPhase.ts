import type { Task } from 'durable-functions';

import type { CopyDocument } from '../../domain/copyDocument';
import { terminalEventType } from '../../domain/copyEvents';
import type { FinishPhase } from '../../domain/copyState';
import { afterAnswer, afterFailedAttempt } from './decisions';
import type { CopyRun } from './run';
import { finishWith, showOutcome } from './transitions';

/** The orchestration's result, once the finish phase is through. */
export interface Done {
  phase: 'done';
  document: CopyDocument;
}

/**
 * Cleans up and reports an ended copy: deletes a target that failed, timed out or was canceled, then
 * publishes the terminal event. Neither step can change the outcome; their failures are logged and, for the
 * delete, added to the error message.
 */
export function* finishStep(run: CopyRun, state: FinishPhase): Generator<Task, FinishPhase | Done, unknown> {
  if (state.step === 'confirm') {
    // A zero-length timer raced with the cancel: every cancel raised before it fires is in the history first.
    yield* run.waitCanceled(run.nowIso());
    if (!run.canceled()) {
      return showOutcome(run, state);
    }
    // What the copy found no longer counts; a finished copy's target is removed like any canceled one.
    const hadTarget = state.outcome.deleteTarget === true || state.outcome.status === 'Succeeded';
    return finishWith(run, state, { status: 'Canceled', deleteTarget: hadTarget });
  }
  const retry = run.settings.activityRetry;
  const target = state.document.targetRestorePointId;
  if (state.step === 'delete' && target !== null) {
    const deleted = yield* run.call('deleteTargetRestorePoint', { targetRestorePointId: target });
    if (!deleted.ok) {
      const next = afterFailedAttempt(state.counters, retry);
      if (next.kind === 'retry') {
        return { ...state, counters: next.counters, wakeAt: run.inSeconds(next.delaySeconds) };
      }
      return notDeleted(run, { ...state, counters: next.counters }, target, deleted.message);
    }
    const answered = { ...state, counters: afterAnswer(state.counters) };
    return deleted.value.kind === 'fail'
      ? notDeleted(run, answered, target, deleted.value.error.message)
      : {
          ...run.update(answered, { cleanup: { status: 'deleted', targetRestorePointId: target } }),
          step: 'publish',
        };
  }
  const type = terminalEventType(state.outcome.status);
  if (type !== undefined) {
    const published = yield* run.call('publishCopyEvent', { type, document: state.document });
    if (!published.ok) {
      const next = afterFailedAttempt(state.counters, retry);
      if (next.kind === 'retry') {
        return {
          ...state,
          counters: next.counters,
          step: 'publish',
          wakeAt: run.inSeconds(next.delaySeconds),
        };
      }
      run.log('error', `could not publish ${type}: ${published.message}`);
    }
  }
  if (state.outcome.status === 'Succeeded' && state.document.sourceCollectionId !== null) {
    // Retention runs after every usable copy; its failure never changes the outcome (the sweep retries).
    const retained = yield* run.call('retainAfterCopy', {
      sourceCollectionId: state.document.sourceCollectionId,
      targetRegion: state.document.targetRegion,
    });
    if (!retained.ok) {
      run.log('warn', `retention after the copy failed: ${retained.message}`);
    }
  }
  return { phase: 'done', document: state.document };
}

function notDeleted(run: CopyRun, state: FinishPhase, target: string, problem: string): FinishPhase {
  run.log('warn', `target ${target} was not deleted: ${problem}`);
  const error = state.outcome.error;
  // The document says the target is still there, so the reconciliation sweep retries the delete.
  const reported = run.update(state, {
    cleanup: { status: 'pending', targetRestorePointId: target, message: problem },
    ...(error === undefined
      ? {}
      : {
          error: {
            ...error,
            message: `${error.message} The target restore point could not be deleted: ${problem}`,
          },
        }),
  });
  return { ...reported, counters: { ...reported.counters, failedAttempts: 0 }, step: 'publish' };
}
