import type { Activities, ActivityDeps } from './activityTypes';
import { checkCopyTurn } from './checkCopyTurn';
import { publishCopyEvent } from './publishCopyEvent';
import { resolveCopySource } from './resolveCopySource';
import { ensureTargetCollection } from './targetCollection';
import { deleteTargetRestorePoint, getCopyProgress, startRestorePointCopy } from './targetRestorePoints';
import { wakeCopies } from './wakeCopies';

export type { Activities, ActivityContext, ActivityDeps } from './activityTypes';

/**
 * Builds the activities. Each starts work or reads state and returns what it saw as plain data; none waits on a
 * poller or sleeps. Transient failures are thrown (the orchestrator retries them); everything else is data.
 */
export function createActivities(deps: ActivityDeps): Activities {
  const { compute } = deps;
  return {
    resolveCopySource: (input) => resolveCopySource(deps, input),
    checkCopyTurn: (input) => checkCopyTurn(compute, input),
    wakeCopies: (input, context) => wakeCopies(input, context),
    ensureTargetCollection: (input) => ensureTargetCollection(compute, input),
    startRestorePointCopy: (input) => startRestorePointCopy(compute, input),
    getCopyProgress: (input) => getCopyProgress(compute, input),
    deleteTargetRestorePoint: (input) => deleteTargetRestorePoint(compute, input),
    publishCopyEvent: (input, context) => publishCopyEvent(deps, input, context),
  };
}
