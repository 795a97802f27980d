/**
 * What crosses the orchestrator boundary: activity names, their inputs and results (plain JSON, discriminated
 * unions), and the orchestration's input. Orchestrators import these as types only; activities implement them.
 */
import type { CopyDocument, CopyError, CopyTrigger } from './copyDocument';
import type { CopyEventType } from './copyEvents';
import type { PollState, PollingSettings } from './polling';
import type { RestorePointView } from './restorePoints';

export const ORCHESTRATOR_NAME = 'copyRestorePointOrchestrator';

/** The external event `POST /api/copies/{id}/cancel` raises. */
export const CANCEL_EVENT = 'cancel';

export const ActivityNames = {
  resolveCopySource: 'resolveCopySourceActivity',
  checkCopyTurn: 'checkCopyTurnActivity',
  ensureTargetCollection: 'ensureTargetCollectionActivity',
  startRestorePointCopy: 'startRestorePointCopyActivity',
  getCopyProgress: 'getCopyProgressActivity',
  deleteTargetRestorePoint: 'deleteTargetRestorePointActivity',
  publishCopyEvent: 'publishCopyEventActivity',
} as const;

/** Azure said "not now": wait this long (from `Retry-After`) and ask again. */
export interface Throttled {
  kind: 'throttled';
  retryAfterSeconds: number;
}

/** A terminal failure the orchestrator reports as is. */
export interface Failed {
  kind: 'fail';
  error: CopyError;
}

export interface ResolveCopySourceInput {
  copyId: string;
  sourceRestorePointId: string;
  targetRegion: string;
}

export interface ResolvedSource {
  /** Canonical spelling of the source restore point id. */
  restorePointId: string;
  collectionId: string;
  region: string;
  /** ISO-8601. */
  createdAt: string;
  /** `properties.source.id` of the source collection (the VM), for lineage tags. */
  vmId?: string;
}

export type ResolveCopySourceResult =
  | { kind: 'resolved'; source: ResolvedSource; targetCollectionId: string; targetRestorePointId: string }
  | { kind: 'skip'; reason: 'copy-of-copy'; message: string }
  | Failed
  | Throttled;

export interface CheckCopyTurnInput {
  copyId: string;
  sourceRestorePointId: string;
  sourceCollectionId: string;
  sourceCreatedAt: string;
  targetRegion: string;
  targetCollectionId: string;
  createdAt: string;
  maxConcurrentCopies: number;
}

export type CheckCopyTurnResult =
  | { kind: 'go' }
  /** The target collection already holds a copy of this source (an earlier attempt): watch it. */
  | { kind: 'already-copied'; targetRestorePointId: string }
  | { kind: 'skip'; reason: 'ordering'; message: string }
  | {
      kind: 'wait';
      /** `target-deleting`: the failed target of an earlier run of this copy is being deleted. */
      reason: 'pair-busy' | 'older-first' | 'capacity' | 'target-replicating' | 'target-deleting';
      blockingCopyId?: string;
      retryAfterSeconds?: number;
    }
  | Failed
  | Throttled;

export interface EnsureTargetCollectionInput {
  sourceCollectionId: string;
  sourceVmId?: string;
  targetCollectionId: string;
  targetRegion: string;
}

export type EnsureTargetCollectionResult = { kind: 'ready'; created: boolean } | Failed | Throttled;

export interface StartRestorePointCopyInput {
  sourceRestorePointId: string;
  targetRestorePointId: string;
}

export type StartRestorePointCopyResult =
  | { kind: 'started' }
  /** A restore point of that name already copies this source (a retried request). */
  | { kind: 'already-exists' }
  /** Azure refused to start the copy; the turn check may explain why (ordering, a copy still in flight). */
  | { kind: 'refused'; error: CopyError }
  /**
   * The target name is taken by this source's copy from an earlier, failed run that is being deleted; the
   * copy can be requested again once the deletion is done.
   */
  | { kind: 'target-busy'; retryAfterSeconds: number }
  | Failed
  | Throttled;

export interface GetCopyProgressInput {
  targetRestorePointId: string;
}

export type GetCopyProgressResult =
  { kind: 'found'; restorePoint: RestorePointView } | { kind: 'not-found' } | Failed | Throttled;

export interface DeleteTargetRestorePointInput {
  targetRestorePointId: string;
}

export type DeleteTargetRestorePointResult = { kind: 'deleted' } | { kind: 'not-found' } | Failed;

export interface PublishCopyEventInput {
  type: CopyEventType;
  document: CopyDocument;
}

export interface PublishCopyEventResult {
  /** False when no Event Grid topic is configured. */
  published: boolean;
}

/** Tuning captured when the copy is requested, so a running copy never depends on later config changes. */
export interface CopySettings {
  /**
   * Active copies (Starting or Replicating) per subscription and target region (`RPCOPY_MAX_CONCURRENT_COPIES`).
   * @default 10
   */
  maxConcurrentCopies: number;
  /**
   * From Azure accepting the copy request to `TimedOut`, in seconds (`RPCOPY_COPY_TIMEOUT_HOURS` × 3600).
   * Also bounds how long a copy may wait in the queue.
   * @default 1166400 (324 hours, 13.5 days)
   */
  copyTimeoutSeconds: number;
  /**
   * Between two turn checks while queued (`RPCOPY_QUEUE_RECHECK_SECONDS`).
   * @default 300
   */
  queueRecheckSeconds: number;
  polling: PollingSettings;
  /**
   * Waits per orchestration generation before `continueAsNew` trims the history
   * (`RPCOPY_POLLS_PER_GENERATION`).
   * @default 20
   */
  pollsPerGeneration: number;
  /**
   * Retries of an activity whose transient failure (408, 5xx, network) was thrown; fixed, not configurable.
   * @default { firstRetryIntervalSeconds: 5, maxNumberOfAttempts: 5, backoffCoefficient: 2 }
   */
  activityRetry: {
    firstRetryIntervalSeconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient: number;
  };
}

export type CopyPhase = 'resolve' | 'queue' | 'start' | 'poll';

/** What a generation hands to the next one through `continueAsNew`. */
export interface CarriedState {
  phase: CopyPhase;
  document: CopyDocument;
  source?: ResolvedSource;
  poll?: PollState;
  /** ISO: when the copy gives up. */
  deadline?: string;
  startedEventPublished: boolean;
  generation: number;
  /** Overall percent of the stall whose `Stalled` event was sent (one event per stall). */
  stallAnnouncedPercent?: number;
}

export interface CopyOrchestrationInput {
  copyId: string;
  sourceRestorePointId: string;
  sourceCollectionId: string;
  targetRegion: string;
  requestedBy: CopyTrigger;
  /** ISO: when the copy was first requested. */
  requestedAt: string;
  /** Which run of this copy id: absent for the first, 2 and up after a restart of an ended copy. */
  attempt?: number;
  settings: CopySettings;
  carried?: CarriedState;
}
