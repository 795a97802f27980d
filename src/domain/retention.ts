/**
 * Which copies of a pair retention may delete. Pure and conservative: anything it is unsure about is kept,
 * and the plan says why.
 */
import type { PairFacts, TargetCopyFacts } from './protection';
import { newestUsableCopy } from './protection';
import type { RetentionRule } from './protectionPolicy';

const DAY_MS = 86_400_000;

export interface PruneCandidate {
  targetRestorePointId: string;
  sourceRestorePointId: string;
  /** Source creation time when known, else the copy's own creation time (later: the copy looks younger). */
  createdAt: string;
  reason: string;
}

export type RetentionPlan =
  /** No retention applies to this pair. */
  | { kind: 'none' }
  /** Retention applies but deletes nothing this time; `reasons` say why. */
  | { kind: 'hold'; reasons: string[] }
  | {
      kind: 'prune';
      /** Oldest first. */
      delete: PruneCandidate[];
      /** Copies kept although beyond the policy, with why (not provably rpcopy's). */
      notes: string[];
    };

function describe(rule: RetentionRule): string {
  const parts = [
    ...(rule.keepLast === undefined ? [] : [`not among the newest ${rule.keepLast} copies`]),
    ...(rule.maxAgeDays === undefined ? [] : [`older than ${rule.maxAgeDays} days`]),
  ];
  return parts.join(' and ');
}

/**
 * The copies beyond the policy. A copy is kept when it is one of the newest `keepLast` copies or younger
 * than `maxAgeDays`; the newest usable copy, copies newer than it and copies rpcopy cannot prove it made are
 * always kept. Nothing is deleted while a copy of the pair is in flight or while anything is unsure.
 */
export function planRetention(facts: PairFacts, rule: RetentionRule | undefined, now: Date): RetentionPlan {
  if (rule === undefined || facts.target.kind === 'none') {
    return { kind: 'none' };
  }
  if (facts.target.kind === 'foreign') {
    return { kind: 'hold', reasons: [facts.target.message] };
  }
  const reasons = [...facts.unsure];
  if (facts.inFlight !== null) {
    reasons.push(`copy ${facts.inFlight.copyId} into this collection is ${facts.inFlight.status}`);
  }
  const target = facts.target;
  if (target.copies.some((copy) => copy.replication === 'replicating')) {
    reasons.push('a copy in the target collection is still replicating');
  }
  if (!target.orderKnown) {
    reasons.push('the copies could not be put in creation order (a creation time is missing)');
  }
  const newest = newestUsableCopy(facts);
  if (newest === undefined) {
    reasons.push('the pair has no usable copy yet');
  }
  if (reasons.length > 0 || newest === undefined) {
    return { kind: 'hold', reasons };
  }
  const present = target.copies.filter((copy) => copy.replication !== 'deleting');
  const newestIndex = present.findIndex((copy) => copy.targetRestorePointId === newest.targetRestorePointId);
  const notes: string[] = [];
  const candidates: PruneCandidate[] = [];
  present.forEach((copy: TargetCopyFacts, rank) => {
    if (rank <= newestIndex) {
      return;
    }
    const createdAt = copy.sourceCreatedAt ?? copy.createdAt;
    const kept =
      (rule.keepLast !== undefined && rank < rule.keepLast) ||
      (rule.maxAgeDays !== undefined &&
        (createdAt === undefined || now.getTime() - Date.parse(createdAt) < rule.maxAgeDays * DAY_MS));
    if (kept || createdAt === undefined) {
      return;
    }
    if (copy.lineage !== 'rpcopy') {
      notes.push(
        `kept ${copy.targetRestorePointId}: ${copy.lineageNote ?? 'rpcopy cannot tell whether it made this restore point'}`,
      );
      return;
    }
    candidates.push({
      targetRestorePointId: copy.targetRestorePointId,
      sourceRestorePointId: copy.sourceRestorePointId,
      createdAt,
      reason: describe(rule),
    });
  });
  return { kind: 'prune', delete: candidates.reverse(), notes };
}
