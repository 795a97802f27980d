import type { ComputeGateway } from '../azure/computeGateway';
import { armIdsEqual } from '../domain/armIds';
import type { EnsureTargetCollectionInput, EnsureTargetCollectionResult } from '../domain/copyContracts';
import { LINEAGE_TAGS } from '../domain/lineageTags';
import { TARGETS_TAG } from '../domain/policy';
import { invalid, parseCollection } from './activityTypes';
import { classifyAsTerminal } from './classifyAzureError';

export async function ensureTargetCollection(
  compute: ComputeGateway,
  input: EnsureTargetCollectionInput,
): Promise<EnsureTargetCollectionResult> {
  const targetRef = parseCollection(input.targetCollectionId);
  if (targetRef === undefined) {
    return invalid('InvalidArmId', `Invalid target collection id ${input.targetCollectionId}.`);
  }
  try {
    const existing = await compute.getRestorePointCollection(targetRef);
    if (existing !== undefined) {
      if (existing.sourceId !== undefined && armIdsEqual(existing.sourceId, input.sourceCollectionId)) {
        return { kind: 'ready', created: false };
      }
      return invalid(
        'TargetCollectionConflict',
        `Target collection ${input.targetCollectionId} already exists and copies ${existing.sourceId ?? 'nothing'}, not ${input.sourceCollectionId}; check the naming templates.`,
      );
    }
    const result = await compute.createOrUpdateRestorePointCollection(targetRef, {
      location: input.targetRegion,
      sourceId: input.sourceCollectionId,
      tags: {
        [LINEAGE_TAGS.managedBy]: 'rpcopy',
        [LINEAGE_TAGS.sourceCollection]: input.sourceCollectionId,
        ...(input.sourceVmId === undefined ? {} : { [LINEAGE_TAGS.sourceVm]: input.sourceVmId }),
        // A target is never a source: keeps the policy from ever picking it up.
        [TARGETS_TAG]: 'none',
      },
    });
    return { kind: 'ready', created: result.created };
  } catch (error) {
    return classifyAsTerminal(error);
  }
}
