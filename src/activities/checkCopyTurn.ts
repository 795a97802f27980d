import type { ComputeGateway } from '../azure/computeGateway';
import type { CheckCopyTurnInput, CheckCopyTurnResult } from '../domain/copyContracts';
import type { ExistingCopy } from '../domain/ordering';
import { evaluateOrdering } from '../domain/ordering';
import { evaluateReplication } from '../domain/replication';
import { listTargetCopies } from '../azure/targetCopies';
import { TARGET_BUSY_RECHECK_SECONDS, invalid, parseCollection, parseRef } from './activityTypes';
import { classifyAsTerminal } from './classifyAzureError';
import { clearFailedTarget } from './targetRestorePoints';

/**
 * Asked once the copy holds its pair and a slot (the coordination entities decide those): whether the target
 * collection in Azure lets it go.
 */
export async function checkCopyTurn(
  compute: ComputeGateway,
  input: CheckCopyTurnInput,
): Promise<CheckCopyTurnResult> {
  const targetRef = parseCollection(input.targetCollectionId);
  const sourceCollectionRef = parseCollection(input.sourceCollectionId);
  if (targetRef === undefined || sourceCollectionRef === undefined) {
    return invalid(
      'InvalidArmId',
      `Invalid collection ids ${input.sourceCollectionId} / ${input.targetCollectionId}.`,
    );
  }
  try {
    const target = await listTargetCopies(compute, sourceCollectionRef, input.sourceCollectionId, targetRef);
    if (target.kind === 'no-collection') {
      return { kind: 'go' };
    }
    if (target.kind === 'conflict') {
      return invalid(
        'TargetCollectionConflict',
        `Target collection ${input.targetCollectionId} copies ${target.copiesFrom ?? 'nothing'}, not ${input.sourceCollectionId}; check the naming templates.`,
      );
    }
    return await checkExistingCopies(compute, input, target.copies);
  } catch (error) {
    return classifyAsTerminal(error);
  }
}

/** The copies already in the target collection decide whether this one may go, wait or is not needed. */
async function checkExistingCopies(
  compute: ComputeGateway,
  input: CheckCopyTurnInput,
  existing: ExistingCopy[],
): Promise<CheckCopyTurnResult> {
  if (existing.length === 0) {
    return { kind: 'go' };
  }
  const ordering = evaluateOrdering(
    { restorePointId: input.sourceRestorePointId, createdAt: input.sourceCreatedAt },
    existing,
  );
  if (ordering.kind === 'already-copied') {
    const earlierRef = parseRef(ordering.targetRestorePointId);
    const earlier =
      earlierRef === undefined
        ? undefined
        : await compute.getRestorePoint(earlierRef, { instanceView: true });
    if (earlierRef !== undefined && earlier !== undefined) {
      if ((await clearFailedTarget(compute, earlierRef, earlier)) === 'clearing') {
        return { kind: 'wait', reason: 'target-deleting', retryAfterSeconds: TARGET_BUSY_RECHECK_SECONDS };
      }
    }
    return ordering;
  }
  if (ordering.kind === 'out-of-order') {
    return {
      kind: 'skip',
      reason: 'ordering',
      message: `A newer restore point (${ordering.newerSourceRestorePointId}, created ${ordering.newerSourceCreatedAt}) is already copied to ${input.targetRegion}; Azure cannot copy an older one after it.`,
    };
  }
  // Only one copy per pair may be in flight; the newest existing copy is the only candidate.
  const newest = [...existing].sort((a, b) =>
    (b.sourceCreatedAt ?? '').localeCompare(a.sourceCreatedAt ?? ''),
  )[0];
  const newestRef = newest === undefined ? undefined : parseRef(newest.targetRestorePointId);
  if (newestRef !== undefined) {
    const view = await compute.getRestorePoint(newestRef, { instanceView: true });
    if (view !== undefined && evaluateReplication(view).state === 'inProgress') {
      return { kind: 'wait', reason: 'target-replicating' };
    }
  }
  return { kind: 'go' };
}
