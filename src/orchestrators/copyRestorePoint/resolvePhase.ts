import type { Task } from 'durable-functions';

import { copyError } from '../../domain/copyDocument';
import type { CarriedState, ResolvePhase } from '../../domain/copyState';
import { afterAnswer } from './decisions';
import type { CopyRun } from './run';
import { afterThrown, finishWith } from './transitions';

/** Finds the source restore point and names the target; a copy of a copy is skipped. */
export function* resolveStep(run: CopyRun, state: ResolvePhase): Generator<Task, CarriedState, unknown> {
  const { input } = run;
  const resolved = yield* run.call('resolveCopySource', {
    copyId: input.copyId,
    sourceRestorePointId: input.sourceRestorePointId,
    targetRegion: input.targetRegion,
  });
  if (!resolved.ok) {
    return afterThrown(run, state, resolved.message, run.settings.queueRecheckSeconds);
  }
  const answered = { ...state, counters: afterAnswer(state.counters) };
  const result = resolved.value;
  switch (result.kind) {
    case 'throttled':
      return { ...answered, wakeAt: run.inSeconds(result.retryAfterSeconds) };
    case 'skip':
      return finishWith(run, answered, {
        status: 'Skipped',
        reason: 'copy-of-copy',
        error: copyError('copy-of-copy', 'CopyOfCopy', result.message),
      });
    case 'fail':
      return finishWith(run, answered, { status: 'Failed', error: result.error });
    case 'resolved': {
      const { document } = run.update(answered, {
        sourceRegion: result.source.region,
        sourceCreatedAt: result.source.createdAt,
        sourceCollectionId: result.source.collectionId,
        targetCollectionId: result.targetCollectionId,
        targetRestorePointId: result.targetRestorePointId,
      });
      return {
        ...answered,
        phase: 'queue',
        step: 'pair',
        document,
        source: result.source,
        target: { collectionId: result.targetCollectionId, restorePointId: result.targetRestorePointId },
      };
    }
  }
}
