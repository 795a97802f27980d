import type { ComputeGateway } from '../azure/computeGateway';
import type { RestorePointRef } from '../domain/armIds';
import { armIdsEqual } from '../domain/armIds';
import type {
  DeleteTargetRestorePointInput,
  DeleteTargetRestorePointResult,
  GetCopyProgressInput,
  GetCopyProgressResult,
  StartRestorePointCopyInput,
  StartRestorePointCopyResult,
} from '../domain/copyContracts';
import { evaluateReplication } from '../domain/replication';
import type { RestorePointView } from '../domain/restorePoints';
import { TransientAzureError } from '../errors';
import { TARGET_BUSY_RECHECK_SECONDS, invalid, parseRef } from './activityTypes';
import { classifyAsTerminal, classifyAzureError } from './classifyAzureError';

/**
 * A copy restarted after a failure finds the failed target of its earlier run. Azure allows one copy of a
 * source per region, so that target must be gone before copying again: this starts its deletion (once) and
 * says so; a healthy target is left alone.
 */
export async function clearFailedTarget(
  compute: ComputeGateway,
  ref: RestorePointRef,
  view: RestorePointView,
): Promise<'clearing' | 'healthy'> {
  const provisioning = view.provisioningState ?? '';
  if (/^deleting$/i.test(provisioning)) {
    return 'clearing';
  }
  if (/^failed$/i.test(provisioning) || evaluateReplication(view).state === 'failed') {
    await compute.beginDeleteRestorePoint(ref);
    return 'clearing';
  }
  return 'healthy';
}

export async function startRestorePointCopy(
  compute: ComputeGateway,
  input: StartRestorePointCopyInput,
): Promise<StartRestorePointCopyResult> {
  const target = parseRef(input.targetRestorePointId);
  if (target === undefined) {
    return invalid('InvalidArmId', `Invalid target restore point id ${input.targetRestorePointId}.`);
  }
  try {
    await compute.beginCopyRestorePoint(target, input.sourceRestorePointId);
    return { kind: 'started' };
  } catch (error) {
    const failure = classifyAzureError(error);
    if (failure.kind !== 'conflict') {
      return failure.kind === 'not-found' ? { kind: 'fail', error: failure.error } : failure;
    }
    // A retried PUT finds its own earlier success: the restore point exists and copies this source. A copy
    // restarted after a failure may instead find the failed target of the earlier run, still being deleted
    // (or never deleted): Azure allows one copy per region, so it must be gone before copying again.
    try {
      const existing = await compute.getRestorePoint(target, { instanceView: true });
      if (
        existing?.sourceRestorePointId !== undefined &&
        armIdsEqual(existing.sourceRestorePointId, input.sourceRestorePointId)
      ) {
        return (await clearFailedTarget(compute, target, existing)) === 'clearing'
          ? { kind: 'target-busy', retryAfterSeconds: TARGET_BUSY_RECHECK_SECONDS }
          : { kind: 'already-exists' };
      }
    } catch (lookupError) {
      const lookup = classifyAsTerminal(lookupError);
      if (lookup.kind === 'throttled') {
        return lookup;
      }
    }
    return { kind: 'refused', error: failure.error };
  }
}

export async function getCopyProgress(
  compute: ComputeGateway,
  input: GetCopyProgressInput,
): Promise<GetCopyProgressResult> {
  const target = parseRef(input.targetRestorePointId);
  if (target === undefined) {
    return invalid('InvalidArmId', `Invalid target restore point id ${input.targetRestorePointId}.`);
  }
  try {
    const view = await compute.getRestorePoint(target, { instanceView: true });
    return view === undefined ? { kind: 'not-found' } : { kind: 'found', restorePoint: view };
  } catch (error) {
    return classifyAsTerminal(error);
  }
}

export async function deleteTargetRestorePoint(
  compute: ComputeGateway,
  input: DeleteTargetRestorePointInput,
): Promise<DeleteTargetRestorePointResult> {
  const target = parseRef(input.targetRestorePointId);
  if (target === undefined) {
    return invalid('InvalidArmId', `Invalid target restore point id ${input.targetRestorePointId}.`);
  }
  try {
    return (await compute.beginDeleteRestorePoint(target)) === 'accepted'
      ? { kind: 'deleted' }
      : { kind: 'not-found' };
  } catch (error) {
    const failure = classifyAsTerminal(error);
    if (failure.kind === 'throttled') {
      // Deleting is best effort and short: let the activity retry policy space the attempts.
      throw new TransientAzureError(
        `Throttled while deleting ${input.targetRestorePointId}; retry after ${failure.retryAfterSeconds}s.`,
        { cause: error },
      );
    }
    return failure;
  }
}
