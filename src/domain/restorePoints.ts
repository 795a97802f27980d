/**
 * Plain-JSON views of ARM restore points and collections, as adapters hand them to activities and activities
 * hand them to orchestrators (they cross `yield`, so no `Date`s and no SDK classes).
 */

export interface StatusView {
  code?: string;
  level?: string;
  displayStatus?: string;
  message?: string;
}

export interface DiskReplicationView {
  /** The disk restore point id. */
  id: string;
  status?: StatusView;
  completionPercent?: number;
}

export interface SourceDiskView {
  name?: string;
  sizeGb?: number;
  /** `diskRestorePoint.encryption.type`, when ARM reports it. */
  encryptionType?: string;
  /** Whether the disk names a disk encryption set (a customer-managed key). */
  usesDiskEncryptionSet: boolean;
}

export interface RestorePointView {
  id: string;
  name: string;
  provisioningState?: string;
  /** ISO-8601. */
  timeCreated?: string;
  /** Set on a copy: the restore point it was copied from. */
  sourceRestorePointId?: string;
  /** OS + data disks recorded in `sourceMetadata.storageProfile`; undefined when ARM sent no storage profile. */
  sourceDisks?: SourceDiskView[];
  /** `sourceMetadata.location`. */
  sourceLocation?: string;
  /** Undefined when the response had no `instanceView`. */
  instanceView?: {
    statuses: StatusView[];
    disks: DiskReplicationView[];
  };
}

export interface CollectionView {
  id: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  /** `properties.source.id`: a VM for an original collection, a collection for a copy target. */
  sourceId?: string;
  sourceLocation?: string;
  /** Only when read with `$expand=restorePoints`. */
  restorePoints?: RestorePointView[];
}
