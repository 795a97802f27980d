/**
 * The protection of one (source collection, target region) pair: how recent its newest usable copy is
 * against the RPO, and why it is not better. Pure: every fact is read beforehand from ARM (the source's
 * restore points, the target collection's copies) and from the copy instances that have deterministic ids.
 */
import { normalizeArmId } from './armIds';
import type { CopyError, CopyStatus } from './copyDocument';
import type { ResolvedProtection, RetentionRule } from './protectionPolicy';

export const PROTECTION_STATES = ['Protected', 'AtRisk', 'Breached', 'Unprotected', 'Disabled'] as const;
export type ProtectionState = (typeof PROTECTION_STATES)[number];

const HOUR_MS = 3_600_000;

export interface PairIdentity {
  id: string;
  subscriptionId: string;
  sourceCollectionId: string;
  /** `properties.source.id` of the source collection: the VM. */
  sourceVmId: string | null;
  sourceRegion: string;
  targetRegion: string;
  /** Where rpcopy puts this pair's copies (from the naming templates). */
  targetCollectionId: string;
}

export interface SourcePointFacts {
  id: string;
  name: string;
  createdAt: string;
}

/** What rpcopy knows of one copy in the target collection. */
export interface TargetCopyFacts {
  targetRestorePointId: string;
  sourceRestorePointId: string;
  /** From the source collection; undefined when the source restore point is gone. */
  sourceCreatedAt?: string;
  /** The target restore point's own `timeCreated`. */
  createdAt?: string;
  /** From the instance view, for the copies that were looked at; `unknown` for the others. */
  replication: 'usable' | 'replicating' | 'failed' | 'deleting' | 'unknown';
  /** Whether rpcopy provably made this restore point; `unsure` keeps it from retention. */
  lineage: 'rpcopy' | 'unsure';
  lineageNote?: string;
}

export interface CopyInFlight {
  copyId: string;
  status: CopyStatus;
  sourceRestorePointId: string;
  targetRestorePointId: string | null;
  percent: number;
  etaSeconds: number | null;
  /** `now + etaSeconds`, when the ETA is known. */
  etaAt: string | null;
  stalled: boolean;
}

export interface CopyFailure {
  copyId: string;
  status: CopyStatus;
  sourceRestorePointId: string;
  /** When the attempt ended, when the copy document says. */
  endedAt: string | null;
  error: CopyError;
}

export type TargetFacts =
  | { kind: 'none' }
  /** The named target collection exists but is not this pair's (other source, or no lineage tags). */
  | { kind: 'foreign'; message: string }
  | {
      kind: 'collection';
      /** Newest first (creation order, which the platform forces to follow the sources' order). */
      copies: TargetCopyFacts[];
      /** False when the copies could not be put in order (a creation time is missing). */
      orderKnown: boolean;
      tags: Readonly<Record<string, string>>;
      location: string;
    };

export interface PairFacts {
  pair: PairIdentity;
  protection: ResolvedProtection;
  /** The source collection's own restore points that can be copied, oldest first. */
  sources: SourcePointFacts[];
  target: TargetFacts;
  inFlight: CopyInFlight | null;
  /** The failure of the newest copy attempt after the newest usable copy, if any. */
  lastFailure: CopyFailure | null;
  /** Things rpcopy could not check; each keeps retention from deleting anything in this pair. */
  unsure: string[];
}

export interface NewestUsableCopy {
  targetRestorePointId: string;
  sourceRestorePointId: string;
  sourceCreatedAt: string;
  /** True when the source is gone and `sourceCreatedAt` is the copy's own creation time (a later time). */
  sourceCreatedAtApproximate: boolean;
}

export interface ProtectionReason {
  code:
    | 'NoSourceRestorePoint'
    | 'NoRecentSourceRestorePoint'
    | 'CopyFailed'
    | 'CopyInProgress'
    | 'NotCopiedYet'
    | 'TargetCollectionConflict'
    | 'RpoNotMonitored';
  message: string;
  category?: CopyError['category'];
  suggestion?: string;
  copyId?: string;
}

/** One row of `GET /api/protection`. */
export interface ProtectionEntry extends PairIdentity {
  state: ProtectionState;
  rpo: {
    /** null when not monitored (`Disabled`). */
    targetHours: number | null;
    origin: ResolvedProtection['rpoOrigin'];
    /** Now minus the newest usable copy's source creation time; null without a usable copy. */
    achievedHours: number | null;
    /** `AtRisk` from this achieved RPO on. */
    atRiskAfterHours: number | null;
  };
  newestUsableCopy: NewestUsableCopy | null;
  newestSourceRestorePoint: { id: string; createdAt: string } | null;
  /** The copy of this pair that is queued, starting or replicating, if any. */
  copyInFlight: CopyInFlight | null;
  /** Set whenever the state is not `Protected`. */
  reason: ProtectionReason | null;
  /**
   * The failed attempt after the newest usable copy, whatever the state and reason: a pair still
   * `Protected` by an older copy, or stopped for another reason, shows it here too.
   */
  lastFailure: CopyFailure | null;
  /** Set while `Breached`: the breach's id (as in its events) and when it began. */
  breach: { id: string; since: string } | null;
  retention: (RetentionRule & { origin: ResolvedProtection['retentionOrigin'] }) | null;
  /** Ignored tag values and other things a person should know. */
  warnings: string[];
  evaluatedAt: string;
}

function hoursBetween(fromIso: string, to: Date): number {
  return Math.round(((to.getTime() - Date.parse(fromIso)) / HOUR_MS) * 100) / 100;
}

/** The newest copy that is usable (the copies are newest first); undefined when none is. */
export function newestUsableCopy(facts: PairFacts): NewestUsableCopy | undefined {
  if (facts.target.kind !== 'collection') {
    return undefined;
  }
  const copy = facts.target.copies.find((candidate) => candidate.replication === 'usable');
  const createdAt = copy?.sourceCreatedAt ?? copy?.createdAt;
  if (copy === undefined || createdAt === undefined) {
    return undefined;
  }
  return {
    targetRestorePointId: copy.targetRestorePointId,
    sourceRestorePointId: copy.sourceRestorePointId,
    sourceCreatedAt: createdAt,
    sourceCreatedAtApproximate: copy.sourceCreatedAt === undefined,
  };
}

/**
 * The breach a pair is in, if any: it began when the newest usable copy became older than the target. The
 * id is that copy's source creation time, so every evaluation of the same breach names it the same.
 */
export function breachOf(
  newest: NewestUsableCopy | undefined,
  rpoHours: number | null,
  now: Date,
): { id: string; since: string } | undefined {
  if (newest === undefined || rpoHours === null) {
    return undefined;
  }
  const since = Date.parse(newest.sourceCreatedAt) + rpoHours * HOUR_MS;
  return now.getTime() > since
    ? { id: new Date(Date.parse(newest.sourceCreatedAt)).toISOString(), since: new Date(since).toISOString() }
    : undefined;
}

function reasonFor(
  facts: PairFacts,
  newest: NewestUsableCopy | undefined,
  now: Date,
): ProtectionReason | undefined {
  if (facts.target.kind === 'foreign') {
    return {
      code: 'TargetCollectionConflict',
      message: facts.target.message,
      suggestion: 'Check the naming templates: each pair needs a target collection of its own.',
    };
  }
  const newestSource = facts.sources.at(-1);
  if (newestSource === undefined) {
    return {
      code: 'NoSourceRestorePoint',
      message: 'The source collection has no restore point to copy.',
      suggestion:
        "Create restore points of the VM (its own schedule or automation); rpcopy copies them but doesn't make them.",
    };
  }
  const newestSourceCopied =
    newest !== undefined && normalizeArmId(newest.sourceRestorePointId) === normalizeArmId(newestSource.id);
  const rpo = facts.protection.rpoHours;
  const sourceAgeHours = hoursBetween(newestSource.createdAt, now);
  if (newestSourceCopied || (rpo !== null && sourceAgeHours > rpo)) {
    return {
      code: 'NoRecentSourceRestorePoint',
      message: `no source restore point for ${Math.floor(sourceAgeHours)} hours`,
      suggestion:
        "The VM stopped producing restore points; rpcopy can't copy what doesn't exist. Check the source's own restore point schedule.",
    };
  }
  if (facts.lastFailure !== null) {
    const failure = facts.lastFailure;
    return {
      code: 'CopyFailed',
      message: `The copy of ${failure.sourceRestorePointId} ended ${failure.status}: ${failure.error.message}`,
      category: failure.error.category,
      suggestion: failure.error.suggestion,
      copyId: failure.copyId,
    };
  }
  if (facts.inFlight !== null) {
    const flight = facts.inFlight;
    return {
      code: 'CopyInProgress',
      message: `The copy of ${flight.sourceRestorePointId} is ${flight.status} (${flight.percent}%${
        flight.etaAt === null ? '' : `, expected by ${flight.etaAt}`
      })${flight.stalled ? ' and has stalled' : ''}.`,
      copyId: flight.copyId,
    };
  }
  return {
    code: 'NotCopiedYet',
    message: `The newest source restore point ${newestSource.id} has not been copied yet.`,
    suggestion:
      'The next reconciliation starts it; or request it with POST /api/copies. Check the Event Grid subscription if this keeps happening.',
  };
}

/** The protection entry of a pair at `now`. */
export function evaluateProtection(facts: PairFacts, now: Date, atRiskPercent: number): ProtectionEntry {
  const newest = newestUsableCopy(facts);
  const rpo = facts.protection.rpoHours;
  const achievedHours = newest === undefined ? null : hoursBetween(newest.sourceCreatedAt, now);
  const atRiskAfterHours = rpo === null ? null : Math.round(rpo * atRiskPercent) / 100;
  let state: ProtectionState;
  if (rpo === null) {
    state = 'Disabled';
  } else if (achievedHours === null) {
    state = 'Unprotected';
  } else if (achievedHours > rpo) {
    state = 'Breached';
  } else if (atRiskAfterHours !== null && achievedHours > atRiskAfterHours) {
    state = 'AtRisk';
  } else {
    state = 'Protected';
  }
  let reason: ProtectionReason | null = null;
  if (state === 'Disabled') {
    reason = {
      code: 'RpoNotMonitored',
      message: "The RPO is 'none' for this collection, so its copies are not held to a target.",
    };
  } else if (state !== 'Protected') {
    reason = reasonFor(facts, newest, now) ?? null;
  }
  const breach = state === 'Breached' ? breachOf(newest, rpo, now) : undefined;
  const warnings = [...facts.protection.warnings];
  if (newest?.sourceCreatedAtApproximate === true) {
    warnings.push(
      'The newest usable copy’s source restore point is gone; its age is measured from the copy’s own creation time.',
    );
  }
  const newestSource = facts.sources.at(-1);
  const retention = facts.protection.retention;
  return {
    id: facts.pair.id,
    state,
    subscriptionId: facts.pair.subscriptionId,
    sourceCollectionId: facts.pair.sourceCollectionId,
    sourceVmId: facts.pair.sourceVmId,
    sourceRegion: facts.pair.sourceRegion,
    targetRegion: facts.pair.targetRegion,
    targetCollectionId: facts.pair.targetCollectionId,
    rpo: { targetHours: rpo, origin: facts.protection.rpoOrigin, achievedHours, atRiskAfterHours },
    newestUsableCopy: newest ?? null,
    newestSourceRestorePoint:
      newestSource === undefined ? null : { id: newestSource.id, createdAt: newestSource.createdAt },
    copyInFlight: facts.inFlight,
    reason,
    lastFailure: facts.lastFailure,
    breach: breach ?? null,
    retention: retention === undefined ? null : { ...retention, origin: facts.protection.retentionOrigin },
    warnings,
    evaluatedAt: now.toISOString(),
  };
}
