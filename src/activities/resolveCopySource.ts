import type { ComputeGateway } from '../azure/computeGateway';
import type { RestorePointRef } from '../domain/armIds';
import {
  collectionOf,
  formatCollectionId,
  formatRestorePointId,
  parseRestorePointId,
} from '../domain/armIds';
import type { ResolveCopySourceInput, ResolveCopySourceResult } from '../domain/copyContracts';
import { copyError } from '../domain/copyDocument';
import { isSubscriptionAllowed } from '../domain/policy';
import { normalizeRegion } from '../domain/regions';
import type { NamingTemplates } from '../domain/targetNaming';
import { targetNamesFor } from '../domain/targetNaming';
import { inspectSource } from '../services/inspectSource';
import type { ActivityDeps } from './activityTypes';
import { invalid } from './activityTypes';
import { classifyAsTerminal } from './classifyAzureError';

export async function resolveCopySource(
  deps: ActivityDeps,
  input: ResolveCopySourceInput,
): Promise<ResolveCopySourceResult> {
  const parsed = parseRestorePointId(input.sourceRestorePointId);
  if (!parsed.ok) {
    return invalid('InvalidArmId', parsed.message);
  }
  const ref = parsed.value;
  if (!isSubscriptionAllowed(deps.policy, ref.subscriptionId)) {
    return {
      kind: 'fail',
      error: copyError(
        'permission',
        'SubscriptionNotAllowed',
        `Subscription ${ref.subscriptionId} is not in the allowed subscriptions.`,
      ),
    };
  }
  const targetRegion = normalizeRegion(input.targetRegion);
  if (targetRegion === undefined) {
    return invalid('UnknownRegion', `'${input.targetRegion}' is not a known Azure region.`);
  }
  try {
    return await inspectAndName(deps.compute, deps.naming, ref, targetRegion);
  } catch (error) {
    return classifyAsTerminal(error);
  }
}

async function inspectAndName(
  compute: ComputeGateway,
  naming: NamingTemplates,
  ref: RestorePointRef,
  targetRegion: string,
): Promise<ResolveCopySourceResult> {
  const inspection = await inspectSource(compute, ref);
  if (inspection.kind === 'not-found') {
    return { kind: 'fail', error: copyError('not-found', 'SourceNotFound', inspection.message) };
  }
  if (inspection.kind === 'copy-of-copy') {
    return { kind: 'skip', reason: 'copy-of-copy', message: inspection.message };
  }
  const { restorePoint, collection, sourceRegion } = inspection;
  if (sourceRegion === targetRegion) {
    return invalid(
      'SameRegion',
      `The source is already in ${targetRegion}; a copy must go to another region.`,
    );
  }
  if (restorePoint.timeCreated === undefined) {
    return invalid(
      'MissingCreationTime',
      `Azure reported no creation time for ${formatRestorePointId(ref)}.`,
    );
  }
  const names = targetNamesFor(naming, ref, sourceRegion, targetRegion);
  if (!names.ok) {
    return invalid('InvalidTargetName', names.message);
  }
  return {
    kind: 'resolved',
    source: {
      restorePointId: formatRestorePointId(ref),
      collectionId: formatCollectionId(collectionOf(ref)),
      region: sourceRegion,
      createdAt: restorePoint.timeCreated,
      ...(collection.sourceId === undefined ? {} : { vmId: collection.sourceId }),
    },
    targetCollectionId: names.value.collectionId,
    targetRestorePointId: names.value.restorePointId,
  };
}
