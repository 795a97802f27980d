// Long (~790 lines) on purpose for now: one class owns the simulated ARM state (VMs, collections, restore
// points, operations) and every handler mutates those shared records; a split by resource would need that
// state passed around or made public. A natural next step is moving the PUT handlers into per-resource modules.
import type { Clock } from '../clock';
import { ArmError } from './armError';
import type { EventPublisher } from './eventPublisher';
import type { FaultPlan } from './faultPlan';
import { seededRandom } from './faultPlan';
import type { IdGenerator } from './ids';
import { idKey, parseComputeId } from './ids';
import { renderCollection, renderRestorePoint, renderVm, provisioningStateOf } from './armViews';
import type { ReplicationSettings, ReplicationSnapshot } from './replication';
import { drawRefreshTiming, replicationAt } from './replication';
import type {
  CollectionRecord,
  DiskSnapshot,
  OperationRecord,
  RestorePointRecord,
  SimulatorState,
  VmDisk,
  VmRecord,
} from './stateStore';
import { COPY_POLICY, REMAINING_RESOURCE, checkCopyRequest } from './copyRules';
import type { CopyView, ProgressRefreshOptions } from './types';

export interface ArmRequest {
  method: string;
  body: unknown;
  /** Scheme, host and port of this server, for absolute poll URLs. */
  origin: string;
  apiVersion: string;
  correlationId: string;
  expand: string | undefined;
  /** Request path without the query, for the `nextLink` of a paged list. */
  path: string;
  /** `$skipToken` of a list's follow-up page request. */
  skipToken: string | undefined;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ModelSettings extends ReplicationSettings {
  copyPutsPerHour: number;
  lroRetryAfterSeconds: number;
  lroDurationMs: number;
  listPageSize: number;
  progressRefresh?: ProgressRefreshOptions;
  /** Seeds each copy's refresh timing. */
  seed: number;
}

type Json = Record<string, unknown>;

const OPERATION_RETENTION_MS = 24 * 3_600_000;

const CONSISTENCY_MODES = ['CrashConsistent', 'FileSystemConsistent', 'ApplicationConsistent'];

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function asTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new ArmError(400, 'InvalidParameter', "'tags' must be an object of string values.", {
      target: 'tags',
    });
  }
  return value as Record<string, string>;
}

function normalizeRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

/**
 * The Compute resource provider's behaviour: resources, long-running operations and the cross-region copy
 * rules. Everything time-dependent is derived from the clock at the moment it is observed.
 */
export class ComputeModel {
  private readonly scheduled = new Map<string, { cancel(): void }>();

  constructor(
    readonly state: SimulatorState,
    private readonly settings: ModelSettings,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly events: EventPublisher,
    private readonly faults: FaultPlan,
    private readonly onChange: () => void,
  ) {
    // After a restart: finish what completed while stopped, and re-arm what is still running.
    for (const operation of Object.values(state.operations)) {
      if (!operation.done) {
        this.scheduleCompletion(operation);
      }
    }
  }

  close(): void {
    for (const handle of this.scheduled.values()) {
      handle.cancel();
    }
    this.scheduled.clear();
  }

  /** Ends every operation whose time has come: deletes take effect and finished writes are announced. */
  sweep(): void {
    const now = this.clock.now();
    let changed = false;
    for (const operation of Object.values(this.state.operations)) {
      if (operation.done && operation.completesAt < now - OPERATION_RETENTION_MS) {
        // Like ARM, operation status is kept for a while, not forever: the state file stays bounded.
        delete this.state.operations[operation.id];
        changed = true;
        continue;
      }
      if (operation.done || operation.completesAt > now) {
        continue;
      }
      operation.done = true;
      changed = true;
      this.scheduled.get(operation.id)?.cancel();
      this.scheduled.delete(operation.id);
      if (operation.kind === 'delete') {
        this.finishDelete(operation);
      }
      if (operation.kind === 'create' && !operation.announced) {
        operation.announced = true;
        if (this.state.restorePoints[idKey(operation.resourceId)]) {
          this.events.announce({
            resourceId: operation.resourceId,
            correlationId: operation.correlationId,
            time: operation.completesAt,
          });
        }
      }
    }
    if (changed) {
      this.onChange();
    }
  }

  private scheduleCompletion(operation: OperationRecord): void {
    const handle = this.clock.schedule(operation.completesAt, () => {
      this.scheduled.delete(operation.id);
      this.sweep();
    });
    this.scheduled.set(operation.id, handle);
  }

  private startOperation(
    kind: OperationRecord['kind'],
    resource: OperationRecord['resource'],
    resourceId: string,
    region: string,
    request: ArmRequest,
  ): OperationRecord {
    const now = this.clock.now();
    const parsed = parseComputeId(resourceId);
    const operation: OperationRecord = {
      id: this.ids.next(),
      kind,
      resource,
      resourceId,
      subscriptionId: parsed?.subscriptionId ?? '',
      region: normalizeRegion(region),
      startedAt: now,
      completesAt: now + this.settings.lroDurationMs,
      done: false,
      announced: false,
      correlationId: request.correlationId,
    };
    this.state.operations[operation.id] = operation;
    this.scheduleCompletion(operation);
    return operation;
  }

  private lroHeaders(operation: OperationRecord, request: ArmRequest): Record<string, string> {
    const base = `${request.origin}/subscriptions/${operation.subscriptionId}/providers/Microsoft.Compute/locations/${operation.region}/operations/${operation.id}`;
    const version = encodeURIComponent(request.apiVersion);
    return {
      'azure-asyncoperation': `${base}?api-version=${version}`,
      location: `${base}?monitor=true&api-version=${version}`,
      'retry-after': String(this.settings.lroRetryAfterSeconds),
    };
  }

  private finishDelete(operation: OperationRecord): void {
    const key = idKey(operation.resourceId);
    if (operation.resource === 'restorePoint') {
      delete this.state.restorePoints[key];
      return;
    }
    delete this.state.collections[key];
    for (const [rpKey, rp] of Object.entries(this.state.restorePoints)) {
      if (rp.collectionKey === key) {
        delete this.state.restorePoints[rpKey];
      }
    }
    delete this.state.copyPutTimes[key];
  }

  // ---- operation status ---------------------------------------------------------------------------

  getOperation(subscriptionId: string, operationId: string, monitor: boolean): ArmResponse {
    this.sweep();
    const operation = this.state.operations[operationId.toLowerCase()];
    if (!operation || operation.subscriptionId.toLowerCase() !== subscriptionId.toLowerCase()) {
      throw new ArmError(404, 'ResourceNotFound', `The operation '${operationId}' was not found.`);
    }
    const done = operation.done;
    if (monitor) {
      // Location polling: 202 while running, 200 (with the resource for a create) once done.
      if (!done) {
        return { status: 202, headers: { 'retry-after': String(this.settings.lroRetryAfterSeconds) } };
      }
      const rp = this.state.restorePoints[idKey(operation.resourceId)];
      return operation.kind === 'create' && rp
        ? { status: 200, body: renderRestorePoint(rp, this.clock.now()) }
        : { status: 200 };
    }
    return {
      status: 200,
      headers: done ? {} : { 'retry-after': String(this.settings.lroRetryAfterSeconds) },
      body: {
        name: operation.id,
        status: done ? 'Succeeded' : 'InProgress',
        startTime: new Date(operation.startedAt).toISOString(),
        ...(done ? { endTime: new Date(operation.completesAt).toISOString() } : {}),
      },
    };
  }

  // ---- virtual machines ---------------------------------------------------------------------------

  putVm(id: string, request: ArmRequest): ArmResponse {
    const body = request.body;
    if (!isObject(body)) {
      throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object.');
    }
    const location = asString(body.location);
    if (!location) {
      throw new ArmError(400, 'LocationRequired', "The 'location' property is required.", {
        target: 'location',
      });
    }
    const properties = isObject(body.properties) ? body.properties : {};
    const storage = isObject(properties.storageProfile) ? properties.storageProfile : undefined;
    const osDiskBody = storage && isObject(storage.osDisk) ? storage.osDisk : undefined;
    const key = idKey(id);
    const parsed = parseComputeId(id);
    if (!parsed) {
      throw new ArmError(400, 'InvalidResourceId', `'${id}' is not a virtual machine id.`);
    }
    const name = parsed.names[0] ?? '';
    if (!osDiskBody) {
      throw new ArmError(400, 'InvalidParameter', "'properties.storageProfile.osDisk' is required.", {
        target: 'properties.storageProfile.osDisk',
      });
    }
    const rgPrefix = `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}/providers/Microsoft.Compute/disks/`;
    const disk = (value: unknown, fallbackName: string, target: string, lun?: number): VmDisk => {
      const d = isObject(value) ? value : {};
      const diskName = asString(d.name) ?? fallbackName;
      const size = d.diskSizeGB;
      if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
        throw new ArmError(
          400,
          'InvalidParameter',
          `'${target}.diskSizeGB' must be a positive integer (GiB).`,
          {
            target: `${target}.diskSizeGB`,
          },
        );
      }
      const managed = isObject(d.managedDisk) ? d.managedDisk : {};
      const encryptionSetId = isObject(managed.diskEncryptionSet)
        ? asString(managed.diskEncryptionSet.id)
        : undefined;
      return {
        name: diskName,
        diskSizeGB: size,
        managedDiskId: asString(managed.id) ?? `${rgPrefix}${diskName}`,
        storageAccountType: asString(managed.storageAccountType) ?? 'Premium_LRS',
        caching: asString(d.caching) ?? (lun === undefined ? 'ReadWrite' : 'None'),
        ...(lun !== undefined ? { lun } : {}),
        ...(encryptionSetId !== undefined ? { diskEncryptionSetId: encryptionSetId } : {}),
      };
    };
    const osDisk = disk(osDiskBody, `${name}_OsDisk_1`, 'properties.storageProfile.osDisk');
    const dataDiskBodies =
      storage && Array.isArray(storage.dataDisks) ? (storage.dataDisks as unknown[]) : [];
    const dataDisks = dataDiskBodies.map((value, index) => {
      const lun = isObject(value) && typeof value.lun === 'number' ? value.lun : index;
      return disk(value, `${name}_DataDisk_${lun}`, `properties.storageProfile.dataDisks[${index}]`, lun);
    });
    const existing = this.state.vms[key];
    const hardware = isObject(properties.hardwareProfile) ? properties.hardwareProfile : {};
    const tags = asTags(body.tags);
    const vm: VmRecord = {
      id: existing?.id ?? id,
      name: existing?.name ?? name,
      location: normalizeRegion(location),
      ...(tags ? { tags } : {}),
      vmId: existing?.vmId ?? this.ids.next(),
      vmSize: asString(hardware.vmSize) ?? 'Standard_D2s_v5',
      osType: asString(osDiskBody.osType) ?? 'Linux',
      osDisk,
      dataDisks,
    };
    if (existing && existing.location !== vm.location) {
      throw new ArmError(409, 'PropertyChangeNotAllowed', `Changing property 'location' is not allowed.`, {
        target: 'location',
      });
    }
    this.state.vms[key] = vm;
    this.onChange();
    return { status: existing ? 200 : 201, body: renderVm(vm) };
  }

  getVm(id: string): ArmResponse {
    const vm = this.state.vms[idKey(id)];
    if (!vm) {
      throw notFound('Microsoft.Compute/virtualMachines', id);
    }
    return { status: 200, body: renderVm(vm) };
  }

  // ---- restore point collections ------------------------------------------------------------------

  putCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const body = request.body;
    if (!isObject(body)) {
      throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object.');
    }
    const key = idKey(id);
    const existing = this.state.collections[key];
    if (existing?.deleteOperationId) {
      throw new ArmError(
        409,
        'Conflict',
        `Restore point collection '${existing.name}' is being deleted; retry once the deletion has finished.`,
      );
    }
    const location = asString(body.location);
    if (!location) {
      throw new ArmError(400, 'LocationRequired', "The 'location' property is required.", {
        target: 'location',
      });
    }
    const properties = isObject(body.properties) ? body.properties : {};
    const source = isObject(properties.source) ? properties.source : {};
    const sourceId = asString(source.id);
    if (!sourceId) {
      throw new ArmError(
        400,
        'InvalidParameter',
        "'properties.source.id' is required: the id of the source virtual machine, or of the source restore point collection for a cross-region copy.",
        { target: 'properties.source.id' },
      );
    }
    const sourceParsed = parseComputeId(sourceId);
    let sourceLocation: string;
    if (sourceParsed?.type === 'virtualmachines') {
      const vm = this.state.vms[idKey(sourceId)];
      if (!vm) {
        throw new ArmError(
          404,
          'ResourceNotFound',
          `The source virtual machine '${sourceId}' was not found.`,
          { target: 'properties.source.id' },
        );
      }
      sourceLocation = vm.location;
    } else if (sourceParsed?.type === 'restorepointcollections') {
      const sourceCollection = this.state.collections[idKey(sourceId)];
      if (!sourceCollection) {
        throw new ArmError(
          404,
          'ResourceNotFound',
          `The source restore point collection '${sourceId}' was not found.`,
          { target: 'properties.source.id' },
        );
      }
      sourceLocation = sourceCollection.location;
    } else {
      throw new ArmError(
        400,
        'InvalidParameter',
        `'properties.source.id' must be a virtual machine or restore point collection id, got '${sourceId}'.`,
        { target: 'properties.source.id' },
      );
    }
    const region = normalizeRegion(location);
    if (existing) {
      if (existing.location !== region) {
        throw new ArmError(
          409,
          'PropertyChangeNotAllowed',
          `Changing property 'location' is not allowed (it is '${existing.location}').`,
          { target: 'location' },
        );
      }
      if (idKey(existing.sourceId) !== idKey(sourceId)) {
        throw new ArmError(
          409,
          'PropertyChangeNotAllowed',
          `Changing property 'properties.source.id' is not allowed (it is '${existing.sourceId}').`,
          { target: 'properties.source.id' },
        );
      }
    }
    const parsed = parseComputeId(id);
    const tags = asTags(body.tags);
    const collection: CollectionRecord = {
      id: existing?.id ?? id,
      name: existing?.name ?? parsed?.names[0] ?? '',
      location: region,
      ...(tags ? { tags } : {}),
      sourceId: existing?.sourceId ?? sourceId,
      sourceLocation,
      collectionGuid: existing?.collectionGuid ?? this.ids.next(),
      ...(typeof properties.instantAccess === 'boolean' ? { instantAccess: properties.instantAccess } : {}),
    };
    this.state.collections[key] = collection;
    this.onChange();
    return { status: existing ? 200 : 201, body: renderCollection(collection) };
  }

  patchCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const collection = this.requireCollection(id);
    const body = request.body;
    if (!isObject(body)) {
      throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object.');
    }
    const tags = asTags(body.tags);
    if (tags) {
      collection.tags = tags;
    }
    const properties = isObject(body.properties) ? body.properties : {};
    if (typeof properties.instantAccess === 'boolean') {
      collection.instantAccess = properties.instantAccess;
    }
    this.onChange();
    return { status: 200, body: renderCollection(collection) };
  }

  getCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const collection = this.requireCollection(id);
    if (request.expand !== undefined && request.expand.toLowerCase() !== 'restorepoints') {
      throw new ArmError(
        400,
        'InvalidParameter',
        `'$expand' must be 'restorePoints', got '${request.expand}'.`,
        { target: '$expand' },
      );
    }
    const restorePoints =
      request.expand !== undefined
        ? this.restorePointsIn(idKey(collection.id)).map((rp) => renderRestorePoint(rp, this.clock.now()))
        : undefined;
    return { status: 200, body: renderCollection(collection, restorePoints) };
  }

  listCollections(
    subscriptionId: string,
    resourceGroup: string | undefined,
    request: ArmRequest,
  ): ArmResponse {
    this.sweep();
    const prefix = idKey(
      resourceGroup === undefined
        ? `/subscriptions/${subscriptionId}/`
        : `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/`,
    );
    // Pages continue after the last key returned rather than at an offset, so a collection created or
    // deleted between two page requests neither repeats nor hides the others.
    const after = request.skipToken === undefined ? undefined : decodeSkipToken(request.skipToken);
    const keys = Object.keys(this.state.collections)
      .filter((key) => key.startsWith(prefix) && (after === undefined || key > after))
      .sort();
    const page = keys.slice(0, this.settings.listPageSize);
    const value = page.flatMap((key) => {
      const collection = this.state.collections[key];
      return collection ? [renderCollection(collection)] : [];
    });
    const last = page.at(-1);
    if (keys.length <= page.length || last === undefined) {
      return { status: 200, body: { value } };
    }
    // Written as ARM writes it: a literal `$skipToken`, and a token that is URL-safe as it stands.
    const query = `api-version=${encodeURIComponent(request.apiVersion)}&$skipToken=${encodeSkipToken(last)}`;
    return { status: 200, body: { value, nextLink: `${request.origin}${request.path}?${query}` } };
  }

  deleteCollection(id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const collection = this.state.collections[idKey(id)];
    if (!collection) {
      return { status: 204 };
    }
    const running = collection.deleteOperationId
      ? this.state.operations[collection.deleteOperationId]
      : undefined;
    const operation =
      running ??
      this.startOperation('delete', 'restorePointCollection', collection.id, collection.location, request);
    collection.deleteOperationId = operation.id;
    this.onChange();
    return { status: 202, headers: this.lroHeaders(operation, request) };
  }

  private requireCollection(id: string): CollectionRecord {
    const collection = this.state.collections[idKey(id)];
    if (!collection) {
      throw notFound('Microsoft.Compute/restorePointCollections', id);
    }
    return collection;
  }

  private restorePointsIn(collectionKey: string): RestorePointRecord[] {
    return Object.values(this.state.restorePoints)
      .filter((rp) => rp.collectionKey === collectionKey)
      .sort((a, b) => a.createdAt - b.createdAt);
  }

  // ---- restore points -----------------------------------------------------------------------------

  getRestorePoint(collectionId: string, id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const collection = this.state.collections[idKey(collectionId)];
    if (!collection) {
      throw parentNotFound(collectionId);
    }
    const rp = this.state.restorePoints[idKey(id)];
    if (!rp) {
      throw notFound('Microsoft.Compute/restorePointCollections/restorePoints', id);
    }
    if (request.expand !== undefined && request.expand.toLowerCase() !== 'instanceview') {
      throw new ArmError(
        400,
        'InvalidParameter',
        `'$expand' must be 'instanceView', got '${request.expand}'.`,
        { target: '$expand' },
      );
    }
    const now = this.clock.now();
    const instanceView =
      request.expand !== undefined
        ? { ...(rp.copy ? { replication: this.replicationOf(rp) } : {}) }
        : undefined;
    return { status: 200, body: renderRestorePoint(rp, now, instanceView) };
  }

  deleteRestorePoint(collectionId: string, id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const collection = this.state.collections[idKey(collectionId)];
    if (!collection) {
      throw parentNotFound(collectionId);
    }
    const rp = this.state.restorePoints[idKey(id)];
    if (!rp) {
      return { status: 204 };
    }
    const running = rp.deleteOperationId ? this.state.operations[rp.deleteOperationId] : undefined;
    const operation = running ?? this.startOperation('delete', 'restorePoint', rp.id, rp.location, request);
    rp.deleteOperationId = operation.id;
    this.onChange();
    return { status: 202, headers: this.lroHeaders(operation, request) };
  }

  putRestorePoint(collectionId: string, id: string, request: ArmRequest): ArmResponse {
    this.sweep();
    const collection = this.state.collections[idKey(collectionId)];
    if (!collection) {
      throw parentNotFound(collectionId);
    }
    const name = parseComputeId(id)?.names[1] ?? '';
    if (collection.deleteOperationId) {
      throw new ArmError(
        409,
        'Conflict',
        `Restore point collection '${collection.name}' is being deleted; no restore point can be created in it.`,
      );
    }
    const existing = this.state.restorePoints[idKey(id)];
    if (existing) {
      throw new ArmError(
        409,
        'Conflict',
        `Restore point '${existing.name}' already exists in collection '${collection.name}' (provisioningState ${provisioningStateOf(existing, this.clock.now())}). Restore points cannot be updated: choose a new name, or delete this one first.`,
      );
    }
    const body = request.body ?? {};
    if (!isObject(body)) {
      throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object.');
    }
    const properties = isObject(body.properties) ? body.properties : {};
    const sourceRef = isObject(properties.sourceRestorePoint)
      ? asString(properties.sourceRestorePoint.id)
      : undefined;
    const response = sourceRef
      ? this.createCopy(collection, id, name, sourceRef, properties, request)
      : this.createLocal(collection, id, name, properties, request);
    this.onChange();
    return response;
  }

  private createLocal(
    collection: CollectionRecord,
    id: string,
    name: string,
    properties: Json,
    request: ArmRequest,
  ): ArmResponse {
    const vm = this.state.vms[idKey(collection.sourceId)];
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
    const vmKey = idKey(vm.id);
    const now = this.clock.now();
    const busy = Object.values(this.state.restorePoints).find((rp) => {
      const owner = this.state.collections[rp.collectionKey];
      return !rp.copy && owner && idKey(owner.sourceId) === vmKey && now < rp.provisionedAt;
    });
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
      diskRestorePointId: `${id}/diskRestorePoints/${disk.name}_${this.ids.next()}`,
      managedDiskId: disk.managedDiskId,
      storageAccountType: disk.storageAccountType,
      caching: disk.caching,
      ...(disk.lun !== undefined ? { lun: disk.lun } : {}),
      ...(disk.diskEncryptionSetId !== undefined ? { diskEncryptionSetId: disk.diskEncryptionSetId } : {}),
    });
    const disks = [vm.osDisk, ...vm.dataDisks.filter((d) => !excludedKeys.has(idKey(d.managedDiskId)))].map(
      snapshot,
    );
    const operation = this.startOperation('create', 'restorePoint', id, collection.location, request);
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
    this.state.restorePoints[idKey(id)] = rp;
    return { status: 201, body: renderRestorePoint(rp, now), headers: this.lroHeaders(operation, request) };
  }

  private createCopy(
    collection: CollectionRecord,
    id: string,
    name: string,
    sourceRef: string,
    properties: Json,
    request: ArmRequest,
  ): ArmResponse {
    const now = this.clock.now();
    const { source, window } = checkCopyRequest({
      state: this.state,
      collection,
      sourceRef,
      excludeDisks: properties.excludeDisks,
      now,
      copyPutsPerHour: this.settings.copyPutsPerHour,
      replicationState: (rp) => this.replicationOf(rp).state,
    });
    const collectionKey = idKey(collection.id);
    this.state.copyPutTimes[collectionKey] = [...window, now];
    const operation = this.startOperation('create', 'restorePoint', id, collection.location, request);
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
        diskRestorePointId: `${id}/diskRestorePoints/${disk.name}_${this.ids.next()}`,
        sourceDiskRestorePointId: disk.diskRestorePointId,
      })),
      copy: {
        sourceRestorePointId: source.id,
        sourceCollectionKey: source.collectionKey,
        sourceTimeCreatedMs: source.createdAt,
        faults: this.faults.forCopy(name, source.name),
        ...(this.settings.progressRefresh === undefined
          ? {}
          : {
              refresh: drawRefreshTiming(
                this.settings.progressIntervalMs,
                this.settings.progressRefresh,
                seededRandom(this.settings.seed ^ hashOf(idKey(id)) ^ now),
              ),
            }),
      },
      createOperationId: operation.id,
    };
    this.state.restorePoints[idKey(id)] = rp;
    const remaining = Math.max(0, this.settings.copyPutsPerHour - window.length - 1);
    return {
      status: 201,
      body: renderRestorePoint(rp, now),
      headers: {
        ...this.lroHeaders(operation, request),
        [REMAINING_RESOURCE]: `${COPY_POLICY};${remaining}`,
      },
    };
  }

  replicationOf(rp: RestorePointRecord): ReplicationSnapshot {
    return replicationAt(rp, this.clock.now(), this.settings);
  }

  copyEndsAt(id: string): number | undefined {
    const rp = this.state.restorePoints[idKey(id)];
    if (!rp?.copy) {
      return undefined;
    }
    // Just before the time limit, every refresh that can show the copy ending has happened; a copy that
    // has not ended by then (a stall) is only terminated by the limit, which is no completion.
    return replicationAt(rp, rp.createdAt + this.settings.copyTimeLimitMs - 1, this.settings).endedAt;
  }

  copyView(id: string): CopyView | undefined {
    this.sweep();
    const rp = this.state.restorePoints[idKey(id)];
    if (!rp?.copy) {
      return undefined;
    }
    const replication = this.replicationOf(rp);
    return {
      id: rp.id,
      sourceRestorePointId: rp.copy.sourceRestorePointId,
      provisioningState: provisioningStateOf(rp, this.clock.now()),
      state: rp.deleteOperationId ? 'deleting' : replication.state,
      disks: replication.disks,
    };
  }
}

function encodeSkipToken(key: string): string {
  return Buffer.from(key, 'utf8').toString('base64url');
}

function decodeSkipToken(token: string): string {
  const key = Buffer.from(token, 'base64url').toString('utf8');
  if (token === '' || !key.startsWith('/subscriptions/') || encodeSkipToken(key) !== token) {
    throw new ArmError(
      400,
      'InvalidParameter',
      `The '$skipToken' value '${token}' is not valid. Use the nextLink of the previous page as it was returned.`,
      { target: '$skipToken' },
    );
  }
  return key;
}

function notFound(type: string, id: string): ArmError {
  const parsed = parseComputeId(id);
  const names = parsed?.names.join('/') ?? id;
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${names}' under resource group '${parsed?.resourceGroup ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

function parentNotFound(collectionId: string): ArmError {
  const name = parseComputeId(collectionId)?.names[0] ?? collectionId;
  return new ArmError(
    404,
    'ParentResourceNotFound',
    `Can not perform requested operation on nested resource. Parent resource '${name}' not found.`,
  );
}

/** FNV-1a: a stable number from a resource id, so that each copy draws its own refresh timing. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  }
  return hash >>> 0;
}
