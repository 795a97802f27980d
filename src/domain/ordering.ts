import { armIdsEqual, normalizeArmId } from './armIds';
import type { CopyStatus } from './copyDocument';

/**
 * Copy order per (source collection → target region): the platform copies restore points only in creation
 * order, one at a time, and can never fill a gap later.
 */

export interface ExistingCopy {
  targetRestorePointId: string;
  sourceRestorePointId: string;
  /** The source restore point's creation time (ISO); undefined when the source is gone. */
  sourceCreatedAt?: string;
  /** The target restore point's `provisioningState`, when ARM reported one. */
  targetProvisioningState?: string;
}

export type OrderingVerdict =
  | { kind: 'in-order' }
  | { kind: 'already-copied'; targetRestorePointId: string }
  | { kind: 'out-of-order'; newerSourceRestorePointId: string; newerSourceCreatedAt: string };

/**
 * Whether `source` may still be copied into a target collection that holds `existing`.
 *
 * @remarks A newer copy decides first, whatever else the collection holds: even a copy of this very source
 * (a failed target that was never deleted) cannot make an older restore point copyable again. Copies whose
 * source is gone have no known creation time and are ignored here; if one of them is newer, Azure refuses the
 * copy and the refusal is reported as an ordering failure.
 */
export function evaluateOrdering(
  source: { restorePointId: string; createdAt: string },
  existing: readonly ExistingCopy[],
): OrderingVerdict {
  const created = Date.parse(source.createdAt);
  const newer = existing
    .filter((copy) => copy.sourceCreatedAt !== undefined && Date.parse(copy.sourceCreatedAt) > created)
    .sort((a, b) => Date.parse(b.sourceCreatedAt ?? '') - Date.parse(a.sourceCreatedAt ?? ''))[0];
  if (newer?.sourceCreatedAt !== undefined) {
    return {
      kind: 'out-of-order',
      newerSourceRestorePointId: newer.sourceRestorePointId,
      newerSourceCreatedAt: newer.sourceCreatedAt,
    };
  }
  const same = existing.find((copy) => armIdsEqual(copy.sourceRestorePointId, source.restorePointId));
  if (same !== undefined) {
    return { kind: 'already-copied', targetRestorePointId: same.targetRestorePointId };
  }
  return { kind: 'in-order' };
}

/** What the turn check knows about another live copy (from its custom status). */
export interface LiveCopy {
  id: string;
  status: CopyStatus;
  sourceCollectionId: string;
  targetRegion: string;
  /** Null while the copy has not read its source yet. */
  sourceCreatedAt: string | null;
  createdAt: string;
}

export interface TurnRequest {
  id: string;
  sourceCollectionId: string;
  targetRegion: string;
  sourceCreatedAt: string;
  createdAt: string;
  /** The cap on active copies per subscription and target region. */
  maxConcurrentCopies: number;
}

export type TurnDecision =
  | { kind: 'go' }
  | { kind: 'wait'; reason: 'pair-busy' | 'older-first' | 'capacity'; blockingCopyId?: string };

const ACTIVE: ReadonlySet<CopyStatus> = new Set(['Starting', 'Replicating']);

function subscriptionOf(collectionId: string): string {
  return normalizeArmId(collectionId).split('/')[2] ?? '';
}

/** Orders queued copies: older source first, then older request, then id, so every checker agrees. */
function queueOrder(
  a: { sourceCreatedAt: string | null; createdAt: string; id: string },
  b: typeof a,
): number {
  const sourceA = a.sourceCreatedAt === null ? Number.POSITIVE_INFINITY : Date.parse(a.sourceCreatedAt);
  const sourceB = b.sourceCreatedAt === null ? Number.POSITIVE_INFINITY : Date.parse(b.sourceCreatedAt);
  if (sourceA !== sourceB) {
    return sourceA - sourceB;
  }
  if (a.createdAt !== b.createdAt) {
    return Date.parse(a.createdAt) - Date.parse(b.createdAt);
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Across pairs, the cap admits queued copies first come, first served. */
function requestOrder(a: { createdAt: string; id: string }, b: typeof a): number {
  if (a.createdAt !== b.createdAt) {
    return Date.parse(a.createdAt) - Date.parse(b.createdAt);
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Whether a queued copy may start now, given the other live copies.
 *
 * @remarks Without a lock service, every queued copy decides from the same listing with the same total order,
 * so at most one copy per pair and (barring listings taken at different instants) at most the cap per
 * subscription and region start together.
 */
export function decideTurn(request: TurnRequest, others: readonly LiveCopy[]): TurnDecision {
  const region = request.targetRegion.toLowerCase();
  const pair = others.filter(
    (copy) =>
      copy.id !== request.id &&
      copy.targetRegion.toLowerCase() === region &&
      armIdsEqual(copy.sourceCollectionId, request.sourceCollectionId),
  );
  const busy = pair.find((copy) => ACTIVE.has(copy.status));
  if (busy !== undefined) {
    return { kind: 'wait', reason: 'pair-busy', blockingCopyId: busy.id };
  }
  const older = pair.find((copy) => copy.status === 'Queued' && queueOrder(copy, request) < 0);
  if (older !== undefined) {
    return { kind: 'wait', reason: 'older-first', blockingCopyId: older.id };
  }

  const subscription = subscriptionOf(request.sourceCollectionId);
  const sameScope = others.filter(
    (copy) =>
      copy.id !== request.id &&
      copy.targetRegion.toLowerCase() === region &&
      subscriptionOf(copy.sourceCollectionId) === subscription,
  );
  const active = sameScope.filter((copy) => ACTIVE.has(copy.status)).length;
  // Queued heads of other pairs that come before this one also claim a slot.
  const pairKey = (copy: LiveCopy): string => normalizeArmId(copy.sourceCollectionId);
  const heads = new Map<string, LiveCopy>();
  for (const copy of sameScope.filter(
    (entry) => entry.status === 'Queued' && entry.sourceCreatedAt !== null,
  )) {
    const key = pairKey(copy);
    const current = heads.get(key);
    if (
      key !== normalizeArmId(request.sourceCollectionId) &&
      (current === undefined || queueOrder(copy, current) < 0)
    ) {
      heads.set(key, copy);
    }
  }
  const ahead = [...heads.values()].filter((head) => requestOrder(head, request) < 0).length;
  if (active + ahead >= request.maxConcurrentCopies) {
    return { kind: 'wait', reason: 'capacity' };
  }
  return { kind: 'go' };
}
