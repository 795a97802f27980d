import type { CopyFaultEffect, EventSchema, EventSubscription } from './types';

export interface VmDisk {
  name: string;
  diskSizeGB: number;
  managedDiskId: string;
  storageAccountType: string;
  caching: string;
  lun?: number;
  /** A customer-managed key: the disk's `managedDisk.diskEncryptionSet.id`. */
  diskEncryptionSetId?: string;
}

export interface VmRecord {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  vmId: string;
  vmSize: string;
  osType: string;
  osDisk: VmDisk;
  dataDisks: VmDisk[];
}

export interface CollectionRecord {
  id: string;
  name: string;
  location: string;
  tags?: Record<string, string>;
  sourceId: string;
  sourceLocation: string;
  collectionGuid: string;
  instantAccess?: boolean;
  /** Set while a delete LRO runs. */
  deleteOperationId?: string;
}

export interface DiskSnapshot {
  name: string;
  sizeGB: number;
  diskRestorePointId: string;
  managedDiskId: string;
  storageAccountType: string;
  caching: string;
  lun?: number;
  sourceDiskRestorePointId?: string;
  diskEncryptionSetId?: string;
}

export interface CopyRecord {
  sourceRestorePointId: string;
  sourceCollectionKey: string;
  /** The source restore point's creation time: what the in-order rule compares. */
  sourceTimeCreatedMs: number;
  faults: CopyFaultEffect[];
  /** This copy's refresh timing; absent in older state files (a fixed grid from replication start). */
  refresh?: RefreshTiming;
}

/** When a copy's progress refreshes happen: slot k at `offsetMs + k * periodMs` after replication starts. */
export interface RefreshTiming {
  offsetMs: number;
  periodMs: number;
  jitterMs: number;
  skipProbability: number;
  /** Seeds the per-slot jitter and skips. */
  seed: number;
}

export interface RestorePointRecord {
  id: string;
  name: string;
  collectionKey: string;
  location: string;
  /** Clock time of the PUT. */
  createdAt: number;
  /** Clock time the create LRO ends (provisioningState Succeeded; for a copy, replication starts). */
  provisionedAt: number;
  consistencyMode: string;
  excludeDiskIds?: string[];
  vm: { vmId: string; vmSize: string; osType: string; location: string };
  disks: DiskSnapshot[];
  copy?: CopyRecord;
  createOperationId: string;
  deleteOperationId?: string;
}

export interface OperationRecord {
  id: string;
  kind: 'create' | 'delete';
  resource: 'restorePoint' | 'restorePointCollection';
  resourceId: string;
  subscriptionId: string;
  region: string;
  startedAt: number;
  completesAt: number;
  done: boolean;
  /** The ResourceWriteSuccess announcement went out (creates only). */
  announced: boolean;
  correlationId: string;
}

/** An event not yet delivered to one subscriber: waiting for its next attempt, or in flight. */
export interface PendingDelivery {
  /** The subscriber, by URL and schema; its current headers are read at each attempt. */
  url: string;
  schema: EventSchema;
  event: Record<string, unknown>;
  /** The attempt to make next, from 1. */
  attempt: number;
  /** Clock time of the first attempt: Event Grid's 24-hour limit counts from it. */
  firstAttemptAt: number;
  /** Clock time the next attempt is due. */
  dueAt: number;
}

export interface TokenBucketState {
  tokens: number;
  updatedAt: number;
}

export interface SimulatorState {
  version: 1;
  /** Clock time when saved, so a restarted standalone simulator resumes its clock. */
  clockTime: number;
  idsIssued: number;
  vms: Record<string, VmRecord>;
  collections: Record<string, CollectionRecord>;
  restorePoints: Record<string, RestorePointRecord>;
  operations: Record<string, OperationRecord>;
  /** Accepted copy PUT times per target collection key. */
  copyPutTimes: Record<string, number[]>;
  readBuckets: Record<string, TokenBucketState>;
  eventSubscriptions: EventSubscription[];
  /** Deliveries still owed, so a restarted simulator resumes their retries. */
  pendingDeliveries: PendingDelivery[];
  tls?: { key: string; cert: string };
}

export function emptyState(clockTime: number): SimulatorState {
  return {
    version: 1,
    clockTime,
    idsIssued: 0,
    vms: {},
    collections: {},
    restorePoints: {},
    operations: {},
    copyPutTimes: {},
    readBuckets: {},
    eventSubscriptions: [],
    pendingDeliveries: [],
  };
}
