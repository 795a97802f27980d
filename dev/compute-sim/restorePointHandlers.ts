import { ArmError } from './armError';
import { provisioningStateOf, renderRestorePoint } from './armViews';
import { COPY_POLICY, REMAINING_RESOURCE, checkCopyRequest } from './copyRules';
import { seededRandom } from './faultPlan';
import { idKey, parseComputeId } from './ids';
import type { ModelContext } from './modelContext';
import type { ArmRequest, ArmResponse, Json } from './modelSupport';
import { asString, expandOf, isObject, notFound, parentNotFound, requireObjectBody } from './modelSupport';
import { drawRefreshTiming, replicationAt } from './replication';
import type { CollectionRecord, DiskSnapshot, RestorePointRecord, VmDisk } from './stateStore';

const CONSISTENCY_MODES = ['CrashConsistent', 'FileSystemConsistent', 'ApplicationConsistent'];

/** A request on one restore point `id` of the collection `collectionId`. */
type RestorePointHandler = (
  context: ModelContext,
  collectionId: string,
  id: string,
  request: ArmRequest,
) => ArmResponse;

/** Restore points: local ones taken of a VM, and cross-region copies of another collection's. */
export const getRestorePoint: RestorePointHandler = (context, collectionId, id, request) => {
  requireParent(context, collectionId);
  const rp = context.resources.restorePoint(id);
  if (!rp) {
    throw notFound('Microsoft.Compute/restorePointCollections/restorePoints', id);
  }
  const expand = expandOf(request, 'instanceView');
  const now = context.clock.now();
  const instanceView =
    expand !== undefined
      ? { ...(rp.copy ? { replication: replicationAt(rp, now, context.settings) } : {}) }
      : undefined;
  return { status: 200, body: renderRestorePoint(rp, now, instanceView) };
};

export const deleteRestorePoint: RestorePointHandler = (context, collectionId, id, request) => {
  requireParent(context, collectionId);
  const rp = context.resources.restorePoint(id);
  if (!rp) {
    return { status: 204 };
  }
  const running = rp.deleteOperationId ? context.operations.get(rp.deleteOperationId) : undefined;
  const operation =
    running ?? context.operations.start('delete', 'restorePoint', rp.id, rp.location, request);
  rp.deleteOperationId = operation.id;
  context.resources.saveRestorePoint(rp);
  context.changes.commit();
  return { status: 202, headers: context.operations.headers(operation, request) };
};

export const putRestorePoint: RestorePointHandler = (context, collectionId, id, request) => {
  const collection = requireParent(context, collectionId);
  const name = parseComputeId(id)?.names[1] ?? '';
  if (collection.deleteOperationId) {
    throw new ArmError(
      409,
      'Conflict',
      `Restore point collection '${collection.name}' is being deleted; no restore point can be created in it.`,
    );
  }
  const existing = context.resources.restorePoint(id);
  if (existing) {
    throw new ArmError(
      409,
      'Conflict',
      `Restore point '${existing.name}' already exists in collection '${collection.name}' (provisioningState ${provisioningStateOf(existing, context.clock.now())}). Restore points cannot be updated: choose a new name, or delete this one first.`,
    );
  }
  const body = requireObjectBody(request.body ?? {});
  const properties = isObject(body.properties) ? body.properties : {};
  const sourceRef = isObject(properties.sourceRestorePoint)
    ? asString(properties.sourceRestorePoint.id)
    : undefined;
  const response = sourceRef
    ? createCopy(context, collection, id, name, sourceRef, properties, request)
    : createLocal(context, collection, id, name, properties, request);
  context.changes.commit();
  return response;
};

function requireParent(context: ModelContext, collectionId: string): CollectionRecord {
  const collection = context.resources.collection(collectionId);
  if (!collection) {
    throw parentNotFound(collectionId);
  }
  return collection;
}

function createLocal(
  context: ModelContext,
  collection: CollectionRecord,
  id: string,
  name: string,
  properties: Json,
  request: ArmRequest,
): ArmResponse {
  const vm = context.resources.vm(collection.sourceId);
  if (!vm) {
    const isCopyTarget = parseComputeId(collection.sourceId)?.type === 'restorepointcollections';
    throw new ArmError(
      400,
      'InvalidParameter',
      isCopyTarget
        ? `Collection '${collection.name}' holds cross-region copies of '${collection.sourceId}'; set 'properties.sourceRestorePoint.id' to the restore point to copy.`
        : `The source virtual machine '${collection.sourceId}' of collection '${collection.name}' no longer exists.`,
      { target: 'properties.sourceRestorePoint.id' },
    );
  }
  const now = context.clock.now();
  const busy = context.resources
    .collectionsFrom(vm.id)
    .flatMap((owner) => context.resources.restorePointsIn(idKey(owner.id)))
    .find((rp) => !rp.copy && now < rp.provisionedAt);
  if (busy) {
    throw new ArmError(
      409,
      'Conflict',
      `Restore point '${busy.name}' of virtual machine '${vm.name}' is still being created; a VM allows one restore point creation at a time. Retry when it has finished.`,
    );
  }
  const consistencyMode = asString(properties.consistencyMode) ?? 'CrashConsistent';
  if (!CONSISTENCY_MODES.includes(consistencyMode)) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `'properties.consistencyMode' must be one of ${CONSISTENCY_MODES.join(', ')}, got '${consistencyMode}'.`,
      { target: 'properties.consistencyMode' },
    );
  }
  const excluded = Array.isArray(properties.excludeDisks)
    ? (properties.excludeDisks as unknown[])
        .map((e) => (isObject(e) ? asString(e.id) : undefined))
        .filter((e): e is string => e !== undefined)
    : undefined;
  const excludedKeys = new Set((excluded ?? []).map(idKey));
  if (excludedKeys.has(idKey(vm.osDisk.managedDiskId))) {
    throw new ArmError(400, 'InvalidParameter', 'The OS disk cannot be excluded from a restore point.', {
      target: 'properties.excludeDisks',
    });
  }
  const snapshot = (disk: VmDisk): DiskSnapshot => ({
    name: disk.name,
    sizeGB: disk.diskSizeGB,
    diskRestorePointId: `${id}/diskRestorePoints/${disk.name}_${context.ids.next()}`,
    managedDiskId: disk.managedDiskId,
    storageAccountType: disk.storageAccountType,
    caching: disk.caching,
    ...(disk.lun !== undefined ? { lun: disk.lun } : {}),
    ...(disk.diskEncryptionSetId !== undefined ? { diskEncryptionSetId: disk.diskEncryptionSetId } : {}),
  });
  const disks = [vm.osDisk, ...vm.dataDisks.filter((d) => !excludedKeys.has(idKey(d.managedDiskId)))].map(
    snapshot,
  );
  const operation = context.operations.start('create', 'restorePoint', id, collection.location, request);
  const rp: RestorePointRecord = {
    id,
    name,
    collectionKey: idKey(collection.id),
    location: collection.location,
    createdAt: now,
    provisionedAt: operation.completesAt,
    consistencyMode,
    ...(excluded && excluded.length > 0 ? { excludeDiskIds: excluded } : {}),
    vm: { vmId: vm.vmId, vmSize: vm.vmSize, osType: vm.osType, location: vm.location },
    disks,
    createOperationId: operation.id,
  };
  context.resources.saveRestorePoint(rp);
  return {
    status: 201,
    body: renderRestorePoint(rp, now),
    headers: context.operations.headers(operation, request),
  };
}

function createCopy(
  context: ModelContext,
  collection: CollectionRecord,
  id: string,
  name: string,
  sourceRef: string,
  properties: Json,
  request: ArmRequest,
): ArmResponse {
  const { settings } = context;
  const now = context.clock.now();
  const { source, window } = checkCopyRequest({
    resources: context.resources,
    collection,
    sourceRef,
    excludeDisks: properties.excludeDisks,
    now,
    copyPutsPerHour: settings.copyPutsPerHour,
    replicationState: (rp) => replicationAt(rp, now, settings).state,
  });
  const collectionKey = idKey(collection.id);
  context.resources.setCopyPutTimes(collectionKey, [...window, now]);
  const operation = context.operations.start('create', 'restorePoint', id, collection.location, request);
  const rp: RestorePointRecord = {
    id,
    name,
    collectionKey,
    location: collection.location,
    createdAt: now,
    provisionedAt: operation.completesAt,
    consistencyMode: source.consistencyMode,
    // A copy carries the source's disk selection: the excluded disks were never captured.
    ...(source.excludeDiskIds ? { excludeDiskIds: [...source.excludeDiskIds] } : {}),
    vm: { ...source.vm },
    disks: source.disks.map((disk) => ({
      ...disk,
      diskRestorePointId: `${id}/diskRestorePoints/${disk.name}_${context.ids.next()}`,
      sourceDiskRestorePointId: disk.diskRestorePointId,
    })),
    copy: {
      sourceRestorePointId: source.id,
      sourceCollectionKey: source.collectionKey,
      sourceTimeCreatedMs: source.createdAt,
      faults: context.faults.forCopy(name, source.name),
      ...(settings.progressRefresh === undefined
        ? {}
        : {
            refresh: drawRefreshTiming(
              settings.progressIntervalMs,
              settings.progressRefresh,
              seededRandom(settings.seed ^ hashOf(idKey(id)) ^ now),
            ),
          }),
    },
    createOperationId: operation.id,
  };
  context.resources.saveRestorePoint(rp);
  const remaining = Math.max(0, settings.copyPutsPerHour - window.length - 1);
  return {
    status: 201,
    body: renderRestorePoint(rp, now),
    headers: {
      ...context.operations.headers(operation, request),
      [REMAINING_RESOURCE]: `${COPY_POLICY};${remaining}`,
    },
  };
}

/** FNV-1a: a stable number from a resource id, so that each copy draws its own refresh timing. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}
