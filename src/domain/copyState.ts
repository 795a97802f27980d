/**
 * What one generation of the copy orchestration hands to the next through `continueAsNew`: a union tagged by
 * phase, so that no phase reads a field only another phase sets. Plain JSON.
 */
import type { LineKind, LineMember } from './coordination';
import type { ResolvedSource } from './copyContracts';
import type { CopyDocument, CopyError, CopyStatus, SkipReason } from './copyDocument';
import type { PollState } from './polling';

/** Every count the orchestration decides on; carried, so that a limit holds across generations. */
export interface Counters {
  /** Consecutive failed attempts of the activity call in progress. */
  failedAttempts: number;
  /** Consecutive activity calls that failed after every attempt. */
  transientFailures: number;
  /** Copy requests Azure refused without the turn check explaining why. */
  refusals: number;
  /** Whether the last wait before the copy started was for a throttled copy request. */
  throttledLast: boolean;
}

/** How a copy ends. */
export interface Outcome {
  status: Extract<CopyStatus, 'Succeeded' | 'Failed' | 'TimedOut' | 'Canceled' | 'Skipped'>;
  reason?: SkipReason;
  error?: CopyError;
  /** Whether a target restore point may exist and must be removed (failed, timed out, canceled). */
  deleteTarget?: boolean;
}

/** The target names the copy writes to. */
export interface CopyTarget {
  collectionId: string;
  restorePointId: string;
}

/** A copy in one of the lines (the coordination entities) this copy stands in. */
export interface LinePlace {
  line: LineKind;
  member: LineMember;
}

/**
 * Work on the lines that goes before the phase's next step, one task per step: places to give up (this copy's
 * own once it ended, or those of ended copies a waiter found), then copies to wake (those the lines let through
 * or moved to the front, as the lines answered).
 */
export interface Handoff {
  leave: LinePlace[];
  wake: LinePlace[];
}

interface PhaseBase {
  document: CopyDocument;
  generation: number;
  counters: Counters;
  /** ISO: the phase's next step waits until then (a recheck, a `Retry-After`, a poll, a retry back-off). */
  wakeAt?: string;
  /** The copy has asked for its turn: it may stand in its lines, and leaves them when it ends. */
  inLine?: boolean;
  handoff?: Handoff;
}

export interface ResolvePhase extends PhaseBase {
  phase: 'resolve';
}

export interface QueuePhase extends PhaseBase {
  phase: 'queue';
  source: ResolvedSource;
  target: CopyTarget;
  /**
   * `pair`: waits to be first of its pair (one copy at a time per collection and region, oldest source first);
   * `capacity`: first of its pair, waits for a slot under the cap; `claim`: holds a slot, claims the pair;
   * `ordering`: holds both, asks Azure whether the target collection still lets it go.
   */
  step: 'pair' | 'capacity' | 'claim' | 'ordering';
  /**
   * Where the copy stood when it last asked its line: waiting to be woken, checking every recheck period on
   * the copies directly `ahead` of it (if any). Undefined: ask now.
   */
  standing?: { position: number; ahead: LineMember[] };
}

export interface StartPhase extends PhaseBase {
  phase: 'start';
  source: ResolvedSource;
  target: CopyTarget;
  /** `collection`: ensure the target collection; `copy`: request the copy; `refused`: ask why it was refused. */
  step: 'collection' | 'copy' | 'refused';
  /** A copy request went out whose fate is unknown (it failed in transit): a cancel must delete the target. */
  copyMayExist: boolean;
  /** The refusal being explained, reported if the turn check cannot explain it. */
  refusal?: CopyError;
}

export interface PollPhase extends PhaseBase {
  phase: 'poll';
  target: CopyTarget;
  /** ISO: when the copy times out. */
  deadline: string;
  poll: PollState;
  startedEventPublished: boolean;
  /** Undocumented replication codes seen last, so each change is logged once. */
  unknownCodes: string;
  /** Overall percent of the stall whose `Stalled` event was sent (one event per stall). */
  stallAnnouncedPercent?: number;
}

export interface FinishPhase extends PhaseBase {
  phase: 'finish';
  outcome: Outcome;
  /**
   * `confirm`: a barrier before the outcome shows (a cancel accepted until then still wins); `delete`: remove
   * the target; `publish`: send the terminal event.
   */
  step: 'confirm' | 'delete' | 'publish';
}

export type CarriedState = ResolvePhase | QueuePhase | StartPhase | PollPhase | FinishPhase;

export function initialCounters(): Counters {
  return { failedAttempts: 0, transientFailures: 0, refusals: 0, throttledLast: false };
}
