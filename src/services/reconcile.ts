import type { DurableClient } from 'durable-functions';

import type { Runtime } from '../compositionRoot';
import { formatCollectionId, isCollectionId, normalizeArmId, parseCollectionId } from '../domain/armIds';
import { resolveTargetRegions } from '../domain/policy';
import { normalizeRegion } from '../domain/regions';
import { targetNamesFor } from '../domain/targetNaming';
import { ensureError } from '../errors';
import type { EventLogger } from './restorePointEvents';
import { startCopy } from './startCopies';
import { listTargetCopies } from './targetCopies';

export interface ReconcileSummary {
  collections: number;
  started: string[];
  failures: string[];
}

/**
 * Compares every collection in scope with its targets and starts the copies that are missing (events get
 * lost: Event Grid drops undeliverable events after a day).
 *
 * @remarks Only restore points newer than the newest one already copied to a region can still be copied, so
 * only those are started. A region with no copy yet gets only the newest restore point: copying history
 * would take days and each copy blocks the next. Copies that already exist in any state (including ended
 * ones) are left alone; a failed copy is retried by an explicit `POST /api/copies`.
 */
export async function reconcile(
  client: DurableClient,
  runtime: Runtime,
  log: EventLogger,
  now: Date,
): Promise<ReconcileSummary> {
  const { config, compute } = runtime;
  const summary: ReconcileSummary = { collections: 0, started: [], failures: [] };
  for (const subscriptionId of config.policy.allowedSubscriptions) {
    try {
      for await (const listed of compute.listRestorePointCollections(subscriptionId)) {
        const ref = parseCollectionId(listed.id);
        if (!ref.ok || (listed.sourceId !== undefined && isCollectionId(listed.sourceId))) {
          continue;
        }
        const decision = resolveTargetRegions(config.policy, {
          ref: ref.value,
          location: listed.location,
          tags: listed.tags,
        });
        if (decision.kind === 'invalid-tag') {
          summary.failures.push(`${listed.id}: ${decision.message}`);
        }
        if (decision.kind !== 'copy' || decision.regions.length === 0) {
          continue;
        }
        summary.collections += 1;
        try {
          const collection = await compute.getRestorePointCollection(ref.value, { restorePoints: true });
          const sources = (collection?.restorePoints ?? [])
            .filter(
              (rp) =>
                rp.sourceRestorePointId === undefined &&
                rp.timeCreated !== undefined &&
                (rp.provisioningState === undefined || rp.provisioningState.toLowerCase() === 'succeeded'),
            )
            .sort((a, b) => (a.timeCreated ?? '').localeCompare(b.timeCreated ?? ''));
          const newestSource = sources.at(-1);
          if (newestSource === undefined) {
            continue;
          }
          const sourceRegion = normalizeRegion(listed.location) ?? listed.location.toLowerCase();
          for (const region of decision.regions) {
            const names = targetNamesFor(
              config.naming,
              { ...ref.value, restorePointName: newestSource.name },
              sourceRegion,
              region,
            );
            if (!names.ok) {
              summary.failures.push(`${listed.id} → ${region}: ${names.message}`);
              continue;
            }
            const existing = await listTargetCopies(
              compute,
              ref.value,
              formatCollectionId(ref.value),
              names.value.collection,
            );
            if (existing.kind === 'conflict') {
              summary.failures.push(
                `${listed.id} → ${region}: target collection copies ${existing.copiesFrom ?? 'nothing'}`,
              );
              continue;
            }
            const copies = existing.kind === 'copies' ? existing.copies : [];
            const copied = new Set(copies.map((copy) => normalizeArmId(copy.sourceRestorePointId)));
            const newestCopied = copies
              .map((copy) => copy.sourceCreatedAt)
              .filter((time): time is string => time !== undefined)
              .sort()
              .at(-1);
            const missing = sources.filter(
              (rp) =>
                !copied.has(normalizeArmId(rp.id)) &&
                (newestCopied === undefined ? rp === newestSource : (rp.timeCreated ?? '') > newestCopied),
            );
            for (const rp of missing) {
              const rpRef = { ...ref.value, restorePointName: rp.name };
              const result = await startCopy(client, config, {
                source: rpRef,
                targetRegion: region,
                requestedBy: 'reconcile',
                restartEnded: false,
                now,
              });
              if (result.started) {
                summary.started.push(result.document.id);
              }
            }
          }
        } catch (error) {
          summary.failures.push(`${listed.id}: ${ensureError(error).message}`);
        }
      }
    } catch (error) {
      summary.failures.push(`subscription ${subscriptionId}: ${ensureError(error).message}`);
    }
  }
  const message = `Reconciliation: ${summary.collections} collections in scope, started ${summary.started.length} copies, ${summary.failures.length} failures`;
  if (summary.failures.length > 0) {
    log.warn(`${message}: ${summary.failures.join('; ')}`);
  } else {
    log.info(message);
  }
  return summary;
}
