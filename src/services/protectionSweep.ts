import type { EventPublisher } from '../azure/eventPublisher';
import { parseCollectionId } from '../domain/armIds';
import type { EvaluatedPair, ProtectionLogger } from './protectionView';
import { evaluatePairs, evaluateSource } from './protectionView';
import type { RpoEventData } from '../domain/protectionEvents';
import { rpoEvent } from '../domain/protectionEvents';
import { ensureError } from '../errors';
import type { ProtectionDeps } from './protectionFacts';
import { inScope } from './protectionFacts';
import type { RetentionLogger, RetentionOutcome } from './retention';
import { applyRetention } from './retention';

/**
 * Target-collection tag that remembers an announced breach (its id) until `RpoRestored` is sent: the memory
 * of a transition lives next to the copies it is about, in ARM, and survives a reset of the task hub.
 */
export const BREACH_TAG = 'rpcopy-rpo-breach';

export interface SweepDeps extends ProtectionDeps {
  events: EventPublisher;
  eventSource: string;
}

export interface SweepSummary {
  pairs: number;
  breached: string[];
  restored: string[];
  pruned: string[];
  failures: string[];
}

type SweepLogger = ProtectionLogger & RetentionLogger;

function tagKey(tags: Readonly<Record<string, string>>): string | undefined {
  return Object.keys(tags).find((name) => name.toLowerCase() === BREACH_TAG);
}

async function publish(deps: SweepDeps, event: ReturnType<typeof rpoEvent>, log: SweepLogger): Promise<void> {
  if (!(await deps.events.publishCopyEvent(event))) {
    log.warn(`No Event Grid topic configured; not published: ${event.type} ${event.id}`);
  }
}

/**
 * Sends `RpoBreached` when a pair enters a breach and `RpoRestored` when it leaves it, once each, remembering
 * the announced breach in the target collection's {@link BREACH_TAG} tag.
 *
 * @remarks The event goes first, the tag after: a crash in between sends the event again with the same id
 * (subscribers deduplicate), never loses it. A pair that stays breached while a newer, still too old, copy
 * lands is one breach. Only the sweep calls this, and timer triggers never overlap, so no two writers race.
 */
// Long: both branches send the event before writing the tag; one body keeps that order checkable.
export async function recordTransition(
  deps: SweepDeps,
  pair: EvaluatedPair,
  log: SweepLogger,
): Promise<'breached' | 'restored' | undefined> {
  const { facts, entry } = pair;
  const target = facts.target;
  if (target.kind !== 'collection') {
    return undefined;
  }
  const key = tagKey(target.tags);
  const announced = key === undefined ? undefined : target.tags[key];
  const targetRef = parseCollectionId(facts.pair.targetCollectionId);
  if (!targetRef.ok) {
    return undefined;
  }
  // A PUT replaces every tag: keep the others (lineage, the user's own) as they are.
  const writeTag = async (value: string | undefined): Promise<void> => {
    const tags = Object.fromEntries(
      Object.entries(target.tags).filter(([name]) => name.toLowerCase() !== BREACH_TAG),
    );
    await deps.compute.createOrUpdateRestorePointCollection(targetRef.value, {
      location: target.location,
      sourceId: facts.pair.sourceCollectionId,
      tags: value === undefined ? tags : { ...tags, [BREACH_TAG]: value },
    });
  };
  const rpoTargetHours = entry.rpo.targetHours;
  if (entry.state === 'Breached' && entry.breach !== null && rpoTargetHours !== null) {
    if (announced !== undefined && announced !== '') {
      return undefined;
    }
    const data: RpoEventData = {
      pairId: entry.id,
      breachId: entry.breach.id,
      sourceCollectionId: entry.sourceCollectionId,
      targetRegion: entry.targetRegion,
      targetCollectionId: entry.targetCollectionId,
      rpoTargetHours,
      achievedRpoHours: entry.rpo.achievedHours,
      breachedAt: entry.breach.since,
      ...(entry.reason === null
        ? {}
        : {
            reason: {
              code: entry.reason.code,
              message: entry.reason.message,
              ...(entry.reason.suggestion === undefined ? {} : { suggestion: entry.reason.suggestion }),
            },
          }),
    };
    await publish(
      deps,
      rpoEvent('RestorePointCopy.RpoBreached', data, deps.eventSource, entry.breach.since),
      log,
    );
    await writeTag(entry.breach.id);
    return 'breached';
  }
  if (announced === undefined || announced === '') {
    return undefined;
  }
  if (entry.state === 'Protected' || entry.state === 'AtRisk') {
    const newest = entry.newestUsableCopy;
    const data: RpoEventData = {
      pairId: entry.id,
      breachId: announced,
      sourceCollectionId: entry.sourceCollectionId,
      targetRegion: entry.targetRegion,
      targetCollectionId: entry.targetCollectionId,
      rpoTargetHours: rpoTargetHours ?? 0,
      achievedRpoHours: entry.rpo.achievedHours,
      breachedAt: new Date(Date.parse(announced) + (rpoTargetHours ?? 0) * 3_600_000).toISOString(),
      ...(newest === null
        ? {}
        : {
            restoredBy: {
              targetRestorePointId: newest.targetRestorePointId,
              sourceCreatedAt: newest.sourceCreatedAt,
            },
          }),
    };
    await publish(
      deps,
      rpoEvent('RestorePointCopy.RpoRestored', data, deps.eventSource, deps.now().toISOString()),
      log,
    );
    await writeTag(undefined);
    return 'restored';
  }
  if (entry.state === 'Disabled') {
    // No longer monitored: forget the breach without claiming it ended.
    await writeTag(undefined);
  }
  return undefined;
}

/**
 * The scheduled protection sweep: every pair in scope is evaluated; RPO transitions are announced and
 * retention is applied. One pair's failure never stops the others.
 */
export async function sweepProtection(
  deps: SweepDeps,
  dryRun: boolean,
  log: SweepLogger,
): Promise<SweepSummary> {
  const summary: SweepSummary = { pairs: 0, breached: [], restored: [], pruned: [], failures: [] };
  const pairs = evaluatePairs(deps, { subscriptions: deps.policy.allowedSubscriptions }, log);
  while (true) {
    let next: IteratorResult<EvaluatedPair>;
    try {
      next = await pairs.next();
    } catch (error) {
      summary.failures.push(ensureError(error).message);
      break;
    }
    if (next.done === true) {
      break;
    }
    const pair = next.value;
    summary.pairs += 1;
    try {
      const transition = await recordTransition(deps, pair, log);
      if (transition === 'breached') {
        summary.breached.push(pair.entry.id);
      }
      if (transition === 'restored') {
        summary.restored.push(pair.entry.id);
      }
    } catch (error) {
      summary.failures.push(
        `${pair.entry.sourceCollectionId} → ${pair.entry.targetRegion}: ${ensureError(error).message}`,
      );
    }
    const retention = await applyRetention({ ...deps, dryRun }, pair.facts, log);
    summary.pruned.push(...retention.pruned);
    summary.failures.push(...retention.failures);
  }
  const message = `Protection sweep: ${summary.pairs} pairs, ${summary.breached.length} breached, ${summary.restored.length} restored, ${summary.pruned.length} copies pruned${dryRun ? ' (dry run)' : ''}`;
  if (summary.failures.length > 0) {
    log.warn(`${message}; failures: ${summary.failures.join('; ')}`);
  } else {
    log.info(message);
  }
  return summary;
}

/** Retention of one pair, right after one of its copies became usable. */
export async function retainAfterCopy(
  deps: SweepDeps,
  dryRun: boolean,
  sourceCollectionId: string,
  targetRegion: string,
  log: SweepLogger,
): Promise<RetentionOutcome | undefined> {
  const ref = parseCollectionId(sourceCollectionId);
  if (!ref.ok) {
    return undefined;
  }
  const collection = await deps.compute.getRestorePointCollection(ref.value, { restorePoints: true });
  const source = collection === undefined ? undefined : inScope(deps, collection);
  if (
    source === undefined ||
    source.protection.retention === undefined ||
    !source.regions.includes(targetRegion)
  ) {
    return undefined;
  }
  for await (const pair of evaluateSource(deps, source, [targetRegion], log, collection)) {
    return applyRetention({ ...deps, dryRun }, pair.facts, log);
  }
  return undefined;
}
