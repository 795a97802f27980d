import { ArmError } from './armError';
import { provisioningStateOf } from './armViews';
import { idKey, parseComputeId } from './ids';
import { isReplicationTerminal } from './replication';
import type { ResourceTables } from './resourceTables';
import type { CollectionRecord, RestorePointRecord } from './stateStore';
import { activeWindow, secondsUntilSlotFrees } from './throttle';
import type { ReplicationState } from './types';

/** Compute's per-policy throttling header, as in its documented 429 sample. */
export const REMAINING_RESOURCE = 'x-ms-ratelimit-remaining-resource';
export const COPY_POLICY = 'Microsoft.Compute/RestorePointCopy1Hour';

export interface CopyRequest {
  resources: ResourceTables;
  /** The target collection. */
  collection: CollectionRecord;
  /** `properties.sourceRestorePoint.id` as sent. */
  sourceRef: string;
  /** `properties.excludeDisks` as sent. */
  excludeDisks: unknown;
  now: number;
  copyPutsPerHour: number;
  replicationState: (rp: RestorePointRecord) => ReplicationState;
}

export interface AllowedCopy {
  source: RestorePointRecord;
  /** Accepted copy PUTs of the target collection still in the rolling hour. */
  window: number[];
}

/**
 * The platform's cross-region copy rules. The order in which Azure checks them is undocumented; this one puts
 * request errors first and the throttle last, so a refused copy never takes a throttle slot. Throws the ARM
 * error a refused copy gets; returns the source restore point when the copy may start.
 */
export function checkCopyRequest(request: CopyRequest): AllowedCopy {
  const { resources, collection, sourceRef, now, copyPutsPerHour, replicationState } = request;
  const target = 'properties.sourceRestorePoint.id';
  if (Array.isArray(request.excludeDisks) && request.excludeDisks.length > 0) {
    throw new ArmError(
      400,
      'InvalidParameter',
      'Disks cannot be excluded when copying a restore point; exclude them when creating the source restore point.',
      { target: 'properties.excludeDisks' },
    );
  }
  const sourceParsed = parseComputeId(sourceRef);
  if (sourceParsed?.type !== 'restorepointcollections/restorepoints') {
    throw new ArmError(
      400,
      'InvalidParameter',
      `'${target}' must be a restore point id, got '${sourceRef}'.`,
      { target },
    );
  }
  const source = resources.restorePoint(sourceRef);
  if (!source) {
    throw new ArmError(
      404,
      'ResourceNotFound',
      `The source restore point '${sourceRef}' was not found. It may have been deleted.`,
      { target },
    );
  }
  if (source.copy) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `Restore point '${source.id}' is itself a cross-region copy (of '${source.copy.sourceRestorePointId}'); a copy cannot be copied again. Copy the original restore point instead.`,
      { target },
    );
  }
  if (now < source.provisionedAt || source.deleteOperationId) {
    throw new ArmError(
      409,
      'Conflict',
      `The source restore point '${source.id}' is ${provisioningStateOf(source, now)}; only a restore point in state Succeeded can be copied.`,
      { target },
    );
  }
  if (source.location === collection.location) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The source restore point is in region '${source.location}', the same region as collection '${collection.name}'. A restore point can only be copied to a different region.`,
      { target },
    );
  }
  if (source.collectionKey !== idKey(collection.sourceId)) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The source restore point belongs to collection '${resources.collection(source.collectionKey)?.id ?? source.collectionKey}', but collection '${collection.name}' copies from '${collection.sourceId}'. Use a target collection whose properties.source.id is the source restore point's collection.`,
      { target },
    );
  }
  const sourceKey = idKey(source.id);
  const duplicate = resources.copiesOf(sourceKey).find((rp) => rp.location === collection.location);
  if (duplicate) {
    throw new ArmError(
      409,
      'Conflict',
      `Restore point '${source.id}' has already been copied to region '${collection.location}' as '${duplicate.id}'. A restore point can be copied to a region only once; delete that copy first to copy it again.`,
      { target },
    );
  }
  const collectionKey = idKey(collection.id);
  const inCollection = resources.restorePointsIn(collectionKey).filter((rp) => rp.copy);
  const inFlight = inCollection.find((rp) => !isReplicationTerminal(replicationState(rp)));
  if (inFlight) {
    throw new ArmError(
      409,
      'Conflict',
      `Copy '${inFlight.id}' from the same source collection into '${collection.name}' is still replicating. Only one copy per source and target collection may run at a time; start the next when it has completed.`,
      { target },
    );
  }
  const sourceCreated = source.createdAt;
  const newer = inCollection
    .filter((rp) => (rp.copy?.sourceTimeCreatedMs ?? 0) > sourceCreated)
    .sort((a, b) => (b.copy?.sourceTimeCreatedMs ?? 0) - (a.copy?.sourceTimeCreatedMs ?? 0))[0];
  if (newer) {
    throw new ArmError(
      409,
      'Conflict',
      `Restore point '${source.id}' (created ${new Date(sourceCreated).toISOString()}) is older than '${newer.copy?.sourceRestorePointId ?? ''}' (created ${new Date(newer.copy?.sourceTimeCreatedMs ?? 0).toISOString()}), which is already copied into '${collection.name}'. Restore points must be copied in creation order; this gap cannot be filled.`,
      { target },
    );
  }
  const window = activeWindow(resources.copyPutTimes(collectionKey), now);
  if (window.length >= copyPutsPerHour) {
    const retryAfter = secondsUntilSlotFrees(window, now);
    throw new ArmError(
      429,
      'TooManyRequests',
      `The copy request rate for restore point collection '${collection.name}' is limited to ${copyPutsPerHour} per hour. Retry after ${retryAfter} seconds.`,
      {
        headers: { 'retry-after': String(retryAfter), [REMAINING_RESOURCE]: `${COPY_POLICY};0` },
        details: [
          {
            code: 'TooManyRequests',
            message: `Copy requests in the last hour: ${window.length}.`,
            target: COPY_POLICY,
          },
        ],
      },
    );
  }
  return { source, window };
}
