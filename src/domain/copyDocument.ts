/**
 * The copy document: what `GET /api/copies/{id}` answers, what the orchestration keeps in its custom status and
 * what every `RestorePointCopy.*` event carries as `data`.
 */

export const COPY_STATUSES = [
  'Queued',
  'Starting',
  'Replicating',
  'Succeeded',
  'Failed',
  'TimedOut',
  'Canceled',
  'Skipped',
] as const;

export type CopyStatus = (typeof COPY_STATUSES)[number];

export const TERMINAL_STATUSES: ReadonlySet<CopyStatus> = new Set([
  'Succeeded',
  'Failed',
  'TimedOut',
  'Canceled',
  'Skipped',
]);

export function isTerminalStatus(status: CopyStatus): boolean {
  return TERMINAL_STATUSES.has(status);
}

/** Failure categories a person can act on (see docs/api.md). */
export type ErrorCategory =
  | 'throttled'
  | 'permission'
  | 'ordering'
  | 'copy-of-copy'
  | 'platform-failure'
  | 'timeout'
  | 'not-found'
  | 'invalid'
  | 'internal';

/** Why a copy ended `Skipped`. */
export type SkipReason = 'ordering' | 'copy-of-copy';

export interface CopyError {
  category: ErrorCategory;
  /** A stable code: Azure's error code when Azure gave one, else one of rpcopy's. */
  code: string;
  message: string;
  suggestion: string;
}

/**
 * `Pending`, `Replicating`, `Succeeded` and `Failed` come from Azure's view of the disk. The last three are
 * what a disk that had not finished shows once its copy has ended: `Canceled`, `TimedOut`, or `Stopped`
 * when another disk failed (see {@link finalProgress}).
 */
export type DiskCopyStatus =
  'Pending' | 'Replicating' | 'Succeeded' | 'Failed' | 'Canceled' | 'TimedOut' | 'Stopped';

export interface DiskProgress {
  /** The target disk restore point id. */
  id: string;
  status: DiskCopyStatus;
  percent: number;
}

export interface CopyProgress {
  /** Overall completion, 0–100; 100 only once the copy is usable. */
  percent: number;
  /** Estimated seconds until completion from the progress seen so far; null when unknown. */
  etaSeconds: number | null;
  /** True when the reported progress has not moved for several platform refreshes. */
  stalled: boolean;
  disks: DiskProgress[];
}

export type CopyTrigger = 'http' | 'event-grid' | 'reconcile';

export interface CopyDocument {
  id: string;
  status: CopyStatus;
  /** Only on `Skipped`. */
  reason?: SkipReason;
  sourceRestorePointId: string;
  sourceCollectionId: string;
  /** Source region; null until the source has been read. */
  sourceRegion: string | null;
  /** When the source restore point was created (its position in the copy order); null until read. */
  sourceCreatedAt: string | null;
  targetRegion: string;
  targetCollectionId: string | null;
  targetRestorePointId: string | null;
  requestedBy: CopyTrigger;
  /**
   * Present from the second run of a copy that an explicit request restarted after it ended Failed, TimedOut
   * or Canceled; the first run has none.
   */
  attempt?: number;
  createdAt: string;
  /** When the copy request was accepted by Azure. */
  startedAt: string | null;
  completedAt: string | null;
  progress: CopyProgress;
  /** True only when every disk of the target has replicated: the copy can restore a VM. */
  usable: boolean;
  /** Present when restoring needs attention, e.g. a customer-managed key to supply again. */
  note?: string;
  /** Present on `Failed`, `TimedOut` and `Skipped`. */
  error?: CopyError;
  /** Present when the copy ended after Azure accepted it, so its partial target had to be deleted. */
  cleanup?: TargetCleanup;
}

/**
 * What became of the target restore point of a copy that ended `Failed`, `TimedOut` or `Canceled` after Azure
 * accepted it: `deleted`, or `pending` when the delete failed. A pending target is deleted by the
 * reconciliation sweep, which tries again at every sweep until it is gone.
 */
export interface TargetCleanup {
  status: 'deleted' | 'pending';
  targetRestorePointId: string;
  /** Why the delete failed, for `pending`. */
  message?: string;
}

export function emptyProgress(): CopyProgress {
  return { percent: 0, etaSeconds: null, stalled: false, disks: [] };
}

/**
 * The progress a copy ends with: no ETA, and each disk's last known state. A disk still `Pending` or
 * `Replicating` when the copy ended is no longer either: it keeps its percent and takes the copy's end,
 * `Canceled` or `TimedOut`, or `Stopped` when the copy failed (another disk's failure ended it).
 */
export function finalProgress(progress: CopyProgress, status: CopyStatus): CopyProgress {
  const unfinished: DiskCopyStatus | undefined =
    status === 'Canceled' || status === 'TimedOut' ? status : status === 'Failed' ? 'Stopped' : undefined;
  const disks =
    unfinished === undefined
      ? progress.disks
      : progress.disks.map((disk) =>
          disk.status === 'Pending' || disk.status === 'Replicating' ? { ...disk, status: unfinished } : disk,
        );
  return { ...progress, etaSeconds: null, disks };
}

export interface NewCopyDocumentOptions {
  id: string;
  sourceRestorePointId: string;
  sourceCollectionId: string;
  targetRegion: string;
  requestedBy: CopyTrigger;
  createdAt: string;
  /** 1 (or absent) for the first run of the copy. */
  attempt?: number;
}

export function createCopyDocument(options: NewCopyDocumentOptions): CopyDocument {
  return {
    id: options.id,
    status: 'Queued',
    sourceRestorePointId: options.sourceRestorePointId,
    sourceCollectionId: options.sourceCollectionId,
    sourceRegion: null,
    sourceCreatedAt: null,
    targetRegion: options.targetRegion,
    targetCollectionId: null,
    targetRestorePointId: null,
    requestedBy: options.requestedBy,
    ...(options.attempt !== undefined && options.attempt > 1 ? { attempt: options.attempt } : {}),
    createdAt: options.createdAt,
    startedAt: null,
    completedAt: null,
    progress: emptyProgress(),
    usable: false,
  };
}

/** What a person should do about each category; used when Azure gives no better advice. */
export const SUGGESTIONS: Readonly<Record<ErrorCategory, string>> = {
  throttled: 'Azure throttled the request; rpcopy retries on its own. Nothing to do unless this persists.',
  permission:
    "Grant rpcopy's identity the restore point read/write actions on the source and target resource groups, then request the copy again.",
  ordering:
    'A newer restore point is already copied to this region; the platform cannot fill the gap. Copy a newer restore point instead.',
  'copy-of-copy':
    'The source is itself a copy. Copy the original restore point in its source region instead.',
  'platform-failure':
    'Azure reported a failed disk replication without details. Request the copy again; if it fails again, open an Azure support case.',
  timeout:
    'The copy did not finish before the deadline (Azure ends copies after 14 days). Check the disk sizes and request the copy again.',
  'not-found':
    'The restore point or collection no longer exists. Check the id, or let the next restore point copy.',
  invalid: 'Azure refused the request as invalid. Check the message, the naming templates and the policy.',
  internal: 'rpcopy stopped unexpectedly. Check the function app logs, then request the copy again.',
};

export function copyError(
  category: ErrorCategory,
  code: string,
  message: string,
  suggestion?: string,
): CopyError {
  return { category, code, message, suggestion: suggestion ?? SUGGESTIONS[category] };
}
