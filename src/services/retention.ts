import type { ComputeGateway } from '../azure/computeGateway';
import type { EventPublisher } from '../azure/eventPublisher';
import { parseRestorePointId } from '../domain/armIds';
import type { CopyPolicy } from '../domain/policy';
import { isSubscriptionAllowed } from '../domain/policy';
import type { PairFacts } from '../domain/protection';
import { prunedEvent } from '../domain/protectionEvents';
import { planRetention } from '../domain/retention';
import { ensureError } from '../errors';
import type { Logger } from '../logger';

export type RetentionLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

export interface RetentionDeps {
  compute: ComputeGateway;
  events: EventPublisher;
  policy: CopyPolicy;
  eventSource: string;
  dryRun: boolean;
  now: () => Date;
}

export interface RetentionOutcome {
  /** Target restore points deleted (or, in dry run, that would have been). */
  pruned: string[];
  /** Why nothing (more) was deleted, and what was kept on purpose. */
  kept: string[];
  failures: string[];
}

/**
 * Applies a pair's retention: deletes the copies `planRetention` lets go, one `Pruned` event each. In dry run
 * it deletes nothing and sends the same events marked `dryRun`.
 *
 * @remarks The event follows the accepted DELETE, so an event always means a deletion. Each DELETE checks the
 * subscription allow-list again, whatever the plan says.
 */
export async function applyRetention(
  deps: RetentionDeps,
  facts: PairFacts,
  log: RetentionLogger,
): Promise<RetentionOutcome> {
  const now = deps.now();
  const outcome: RetentionOutcome = { pruned: [], kept: [], failures: [] };
  const plan = planRetention(facts, facts.protection.retention, now);
  const where = `${facts.pair.sourceCollectionId} → ${facts.pair.targetRegion}`;
  if (plan.kind === 'none') {
    return outcome;
  }
  if (plan.kind === 'hold') {
    outcome.kept.push(...plan.reasons);
    if (plan.reasons.length > 0) {
      log.info(`Retention of ${where} deletes nothing now: ${plan.reasons.join('; ')}`);
    }
    return outcome;
  }
  for (const note of plan.notes) {
    outcome.kept.push(note);
    log.warn(`Retention of ${where} ${note}`);
  }
  for (const candidate of plan.delete) {
    const ref = parseRestorePointId(candidate.targetRestorePointId);
    if (!ref.ok || !isSubscriptionAllowed(deps.policy, ref.value.subscriptionId)) {
      const note = `kept ${candidate.targetRestorePointId}: outside the allowed subscriptions or not a restore point id`;
      outcome.kept.push(note);
      log.warn(`Retention of ${where} ${note}`);
      continue;
    }
    if (!deps.dryRun) {
      try {
        if ((await deps.compute.beginDeleteRestorePoint(ref.value)) === 'not-found') {
          continue;
        }
      } catch (error) {
        const message = `could not delete ${candidate.targetRestorePointId}: ${ensureError(error).message}`;
        outcome.failures.push(message);
        log.warn(`Retention of ${where} ${message}`);
        continue;
      }
    }
    outcome.pruned.push(candidate.targetRestorePointId);
    log.info(
      `Retention of ${where} ${deps.dryRun ? 'would delete' : 'deleted'} ${candidate.targetRestorePointId} (${candidate.reason})`,
    );
    const event = prunedEvent(
      {
        pairId: facts.pair.id,
        dryRun: deps.dryRun,
        targetRestorePointId: candidate.targetRestorePointId,
        sourceRestorePointId: candidate.sourceRestorePointId,
        sourceCollectionId: facts.pair.sourceCollectionId,
        targetRegion: facts.pair.targetRegion,
        createdAt: candidate.createdAt,
        reason: candidate.reason,
      },
      deps.eventSource,
      now.toISOString(),
    );
    try {
      if (!(await deps.events.publishCopyEvent(event))) {
        log.warn(`No Event Grid topic configured; not published: ${event.type} ${event.id}`);
      }
    } catch (error) {
      log.error(`could not publish ${event.type} ${event.id}: ${ensureError(error).message}`);
    }
  }
  return outcome;
}
