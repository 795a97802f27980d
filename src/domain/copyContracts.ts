/**
 * What crosses the orchestrator boundary: activity names, their inputs and results (plain JSON, discriminated
 * unions), and the orchestration's input. Orchestrators import these as types only; activities implement them.
 */
import type { LineMember } from './coordination';
import type { CopyDocument, CopyError, CopyTrigger } from './copyDocument';
import type { CopyEventType } from './copyEvents';
import type { CarriedState } from './copyState';
import type { PollingSettings } from './polling';
import type { ProtectionActivityContracts } from './protectionContracts';
import { ProtectionActivityNames } from './protectionContracts';
import type { RestorePointView } from './restorePoints';

export const ORCHESTRATOR_NAME = 'copyRestorePointOrchestrator';

/** The external event `POST /api/copies/{id}/cancel` raises. */
export const CANCEL_EVENT = 'cancel';

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

/**
 * Once the copy holds its pair and a slot (the coordination entities), whether Azure's target collection still
 * lets it go: the order of what is already copied, a copy of an earlier run, a target still replicating.
 */
export interface CheckCopyTurnInput {
  copyId: string;
  sourceRestorePointId: string;
  sourceCollectionId: string;
  sourceCreatedAt: string;
  targetRegion: string;
  targetCollectionId: string;
}

export type CheckCopyTurnResult =
  | { kind: 'go' }
  /** The target collection already holds a copy of this source (an earlier attempt): watch it. */
  | { kind: 'already-copied'; targetRestorePointId: string }
  | { kind: 'skip'; reason: 'ordering'; message: string }
  | {
      kind: 'wait';
      /** `target-deleting`: the failed target of an earlier run of this copy is being deleted. */
      reason: 'target-replicating' | 'target-deleting';
      retryAfterSeconds?: number;
    }
  | Failed
  | Throttled;

/**
 * Tells copies to ask their line again (`TURN_EVENT`): all of them (a line let them through or moved them to
 * the front); only those still queued (holders a waiter checks on, in case a wake-up was lost); or none (an
 * unclaimed first of a pair, which waits for a slot: only whether it ended matters).
 */
export interface WakeCopiesInput {
  copies: LineMember[];
  wake: 'all' | 'queued' | 'none';
}

export interface WakeCopiesResult {
  /** The copies whose run has ended (or that no longer exist): their places in the lines can be reclaimed. */
  ended: LineMember[];
}

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
   * Copies holding a slot (from their turn until they end: Starting, Replicating) per subscription and target
   * region (`RPCOPY_MAX_CONCURRENT_COPIES`); exact, the capacity entity grants the slots.
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
   * While queued: how often the copy next in line checks that the copies ahead of it are still running, and
   * how long a copy waits before asking Azure again whether its target collection lets it go
   * (`RPCOPY_QUEUE_RECHECK_SECONDS`). Copies further back wait to be woken.
   * @default 300
   */
  queueRecheckSeconds: number;
  polling: PollingSettings;
  /**
   * Waits per orchestration generation before `continueAsNew` trims the history
   * (`RPCOPY_POLLS_PER_GENERATION`); a generation also ends before its history could pass 100 events.
   * @default 20
   */
  pollsPerGeneration: number;
  /**
   * Attempts of an activity whose transient failure (408, 5xx, network) was thrown, spaced by durable timers
   * the orchestration counts; fixed, not configurable.
   * @default { firstRetryIntervalSeconds: 5, maxNumberOfAttempts: 5, backoffCoefficient: 2 }
   */
  activityRetry: {
    firstRetryIntervalSeconds: number;
    maxNumberOfAttempts: number;
    backoffCoefficient: number;
  };
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

/**
 * Every activity, by name: what it takes and what it returns. The orchestrator's `call`, `createActivities`
 * and the function registrations all derive from this one map, so a wrong name, input or result is a
 * compile error rather than a convention.
 */
export interface CopyActivityContracts {
  resolveCopySource: { input: ResolveCopySourceInput; result: ResolveCopySourceResult };
  checkCopyTurn: { input: CheckCopyTurnInput; result: CheckCopyTurnResult };
  wakeCopies: { input: WakeCopiesInput; result: WakeCopiesResult };
  ensureTargetCollection: { input: EnsureTargetCollectionInput; result: EnsureTargetCollectionResult };
  startRestorePointCopy: { input: StartRestorePointCopyInput; result: StartRestorePointCopyResult };
  getCopyProgress: { input: GetCopyProgressInput; result: GetCopyProgressResult };
  deleteTargetRestorePoint: { input: DeleteTargetRestorePointInput; result: DeleteTargetRestorePointResult };
  publishCopyEvent: { input: PublishCopyEventInput; result: PublishCopyEventResult };
}

export type ActivityName = keyof CopyActivityContracts;

/**
 * Every activity the copy orchestration schedules: the copy engine's own (registered from `createActivities`)
 * and the protection activities (registered in `src/functions/protection.ts`).
 */
export type OrchestratedActivityContracts = CopyActivityContracts & ProtectionActivityContracts;
export type OrchestratedActivityName = keyof OrchestratedActivityContracts;
export type OrchestratedInput<N extends OrchestratedActivityName> = OrchestratedActivityContracts[N]['input'];
export type OrchestratedResult<N extends OrchestratedActivityName> =
  OrchestratedActivityContracts[N]['result'];
export type ActivityInput<N extends ActivityName> = CopyActivityContracts[N]['input'];
export type ActivityResult<N extends ActivityName> = CopyActivityContracts[N]['result'];

/** The function name each activity is registered under (part of the durable history: never rename). */
export const ActivityNames = {
  resolveCopySource: 'resolveCopySourceActivity',
  checkCopyTurn: 'checkCopyTurnActivity',
  wakeCopies: 'wakeCopiesActivity',
  ensureTargetCollection: 'ensureTargetCollectionActivity',
  startRestorePointCopy: 'startRestorePointCopyActivity',
  getCopyProgress: 'getCopyProgressActivity',
  deleteTargetRestorePoint: 'deleteTargetRestorePointActivity',
  publishCopyEvent: 'publishCopyEventActivity',
} as const satisfies { readonly [N in ActivityName]: string };

/** The function name of every activity the orchestration may call. */
export const OrchestratedActivityNames = {
  ...ActivityNames,
  ...ProtectionActivityNames,
} as const satisfies { readonly [N in OrchestratedActivityName]: string };
