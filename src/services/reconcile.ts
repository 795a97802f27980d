import type { ComputeGateway } from '../azure/computeGateway';
import { readCopy } from '../azure/copyStatusStore';
import { listTargetCopies } from '../azure/targetCopies';
import type { AppConfig } from '../config';
import type { CollectionRef } from '../domain/armIds';
import {
  formatCollectionId,
  isCollectionId,
  normalizeArmId,
  parseCollectionId,
  parseRestorePointId,
} from '../domain/armIds';
import type { CopyDocument } from '../domain/copyDocument';
import { copyIdFor } from '../copyId';
import type { ExistingCopy } from '../domain/ordering';
import { resolveTargetRegions } from '../domain/policy';
import { isReconcileDue } from '../domain/reconcileTurn';
import { normalizeRegion } from '../domain/regions';
import type { CollectionView, RestorePointView } from '../domain/restorePoints';
import { targetNamesFor } from '../domain/targetNaming';
import { ensureError } from '../errors';
import type { EventLogger } from './restorePointEvents';
import type { StartCopyClient } from './startCopies';
import { RESTARTABLE, startCopy } from './startCopies';

export interface ReconcileSummary {
  collections: number;
  /** Collections in scope whose daily turn is not in this sweep's window. */
  notDue: number;
  started: string[];
  /** Restore points whose events were missed and that no region can take any more (each once). */
  gaps: string[];
  /** Target restore points of ended copies whose deletion was started again. */
  cleanedUp: string[];
  failures: string[];
}

export interface ReconcileDeps {
  client: StartCopyClient;
  config: Pick<AppConfig, 'policy' | 'naming' | 'copy'>;
  compute: Pick<
    ComputeGateway,
    'listRestorePointCollections' | 'getRestorePointCollection' | 'beginDeleteRestorePoint' | 'serverNow'
  >;
  log: EventLogger;
  now: Date;
  /**
   * When the previous sweep ran: each collection is reconciled once a day, by the sweep whose window
   * (since, now] holds its time of day. Undefined reconciles every collection.
   */
  since?: Date;
}

/** What one target region of a collection holds, in Azure and in rpcopy's copies. */
interface RegionState {
  region: string;
  copies: ExistingCopy[];
  /** Source restore point ids (normalized) copied to the region or with an rpcopy copy to it. */
  handled: Set<string>;
  /** The newest handled source restore point (creation time); undefined when none is. */
  frontier: string | undefined;
  /** Sources looked up in rpcopy's copies and found without a copy to this region. */
  unhandled: RestorePointView[];
}

/**
 * Compares every collection in scope with its targets, starts the copies that are missing (Event Grid drops
 * undeliverable events after a day) and deletes targets that ended copies left behind.
 *
 * @remarks The rule for a missed event is the same for every region: a restore point older than one that
 * rpcopy already copies, or copied, to any region of the collection is never started, in any region (Azure
 * could not take it after the newer one in that region, and copying it elsewhere would leave the regions
 * disagreeing); it is reported as a gap in the logs. Newer restore points are started in every region, oldest
 * first. A region with no copy yet gets only the newest restore point: copying history would take days and
 * each copy blocks the next. Copies that already exist in any state are left alone; a failed copy is retried by
 * an explicit `POST /api/copies`.
 */
export async function reconcile(deps: ReconcileDeps): Promise<ReconcileSummary> {
  const { config, compute, log } = deps;
  const summary: ReconcileSummary = {
    collections: 0,
    notDue: 0,
    started: [],
    gaps: [],
    cleanedUp: [],
    failures: [],
  };
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
        // ARM's clock, like the timer's: known once the listing answered (see src/azure/serverClock.ts).
        if (!isReconcileDue(listed.id, deps.since, compute.serverNow?.() ?? deps.now)) {
          summary.notDue += 1;
          continue;
        }
        summary.collections += 1;
        try {
          await reconcileCollection(deps, ref.value, listed, decision.regions, summary);
        } catch (error) {
          summary.failures.push(`${listed.id}: ${ensureError(error).message}`);
        }
      }
    } catch (error) {
      summary.failures.push(`subscription ${subscriptionId}: ${ensureError(error).message}`);
    }
  }
  const message = `Reconciliation: ${summary.collections} collections reconciled (${summary.notDue} more in scope, not due until later today), started ${summary.started.length} copies, deleting ${summary.cleanedUp.length} leftover targets, ${summary.gaps.length} restore points missed for good, ${summary.failures.length} failures`;
  if (summary.failures.length > 0 || summary.gaps.length > 0) {
    log.warn(
      [
        message,
        ...summary.gaps.map((gap) => `missed for good (older than a restore point already copied): ${gap}`),
        ...summary.failures,
      ].join('; '),
    );
  } else {
    log.info(message);
  }
  return summary;
}

async function reconcileCollection(
  deps: ReconcileDeps,
  ref: CollectionRef,
  listed: CollectionView,
  regions: readonly string[],
  summary: ReconcileSummary,
): Promise<void> {
  const { config, compute } = deps;
  const collection = await compute.getRestorePointCollection(ref, { restorePoints: true });
  const restorePoints = collection?.restorePoints ?? [];
  const sources = restorePoints
    .filter(
      (rp) =>
        rp.sourceRestorePointId === undefined &&
        rp.timeCreated !== undefined &&
        (rp.provisioningState === undefined || rp.provisioningState.toLowerCase() === 'succeeded'),
    )
    .sort((a, b) => (a.timeCreated ?? '').localeCompare(b.timeCreated ?? ''));
  const newestSource = sources.at(-1);
  if (newestSource === undefined) {
    return;
  }
  const targets = await listRegionTargets(deps, ref, listed, regions, restorePoints, newestSource, summary);
  const newestInAnyTarget = targets
    .map((target) => newestCopied(target.copies))
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);
  const states: RegionState[] = [];
  for (const target of targets) {
    states.push(await regionState(deps, target.region, target.copies, sources, newestInAnyTarget));
  }

  // The newest restore point rpcopy handled in any region decides, for every region, what is a gap.
  const frontier = states
    .map((state) => state.frontier)
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);
  for (const state of states) {
    await cleanUpEndedTargets(deps, state, summary);
    // A region with nothing yet gets the newest restore point, like every region got its first one.
    const wanted = sources.filter(
      (rp) =>
        !state.handled.has(normalizeArmId(rp.id)) &&
        ((frontier !== undefined && (rp.timeCreated ?? '') > frontier) ||
          (state.frontier === undefined && rp === newestSource)),
    );
    for (const rp of wanted) {
      const result = await startCopy(deps.client, config, {
        source: { ...ref, restorePointName: rp.name },
        targetRegion: state.region,
        requestedBy: 'reconcile',
        restartEnded: false,
        now: deps.now,
      });
      if (result.started) {
        summary.started.push(result.document.id);
      }
    }
    for (const rp of state.unhandled) {
      if (frontier !== undefined && (rp.timeCreated ?? '') < frontier && !summary.gaps.includes(rp.id)) {
        summary.gaps.push(rp.id);
      }
    }
  }
}

/** Each region's target copies; a region whose target cannot be named or clashes is reported and left out. */
async function listRegionTargets(
  deps: ReconcileDeps,
  ref: CollectionRef,
  listed: CollectionView,
  regions: readonly string[],
  restorePoints: readonly RestorePointView[],
  newestSource: RestorePointView,
  summary: ReconcileSummary,
): Promise<{ region: string; copies: ExistingCopy[] }[]> {
  const sourceRegion = normalizeRegion(listed.location) ?? listed.location.toLowerCase();
  const targets: { region: string; copies: ExistingCopy[] }[] = [];
  for (const region of regions) {
    const names = targetNamesFor(
      deps.config.naming,
      { ...ref, restorePointName: newestSource.name },
      sourceRegion,
      region,
    );
    if (!names.ok) {
      summary.failures.push(`${listed.id} → ${region}: ${names.message}`);
      continue;
    }
    const existing = await listTargetCopies(
      deps.compute,
      ref,
      formatCollectionId(ref),
      names.value.collection,
      restorePoints,
    );
    if (existing.kind === 'conflict') {
      summary.failures.push(
        `${listed.id} → ${region}: target collection copies ${existing.copiesFrom ?? 'nothing'}`,
      );
      continue;
    }
    targets.push({ region, copies: existing.kind === 'copies' ? existing.copies : [] });
  }
  return targets;
}

function newestCopied(copies: readonly ExistingCopy[]): string | undefined {
  return copies
    .map((copy) => copy.sourceCreatedAt)
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);
}

/**
 * Which sources a region already has, from its target collection and then from rpcopy's copies.
 *
 * @remarks Only sources newer than the newest one in the region's target (or, for an empty target, in any
 * target of the collection) are looked up: older ones can never be copied there, and a region's history is
 * not read at every sweep. With no copy in any target, the look-up stops at the newest copy rpcopy has.
 */
async function regionState(
  deps: ReconcileDeps,
  region: string,
  copies: ExistingCopy[],
  sources: readonly RestorePointView[],
  newestInAnyTarget: string | undefined,
): Promise<RegionState> {
  const handled = new Set(copies.map((copy) => normalizeArmId(copy.sourceRestorePointId)));
  const inTarget = newestCopied(copies);
  const floor = inTarget ?? newestInAnyTarget;
  let frontier = inTarget;
  const unhandled: RestorePointView[] = [];
  const candidates = sources
    .filter(
      (rp) => !handled.has(normalizeArmId(rp.id)) && (floor === undefined || (rp.timeCreated ?? '') > floor),
    )
    .reverse();
  for (const rp of candidates) {
    if (floor === undefined && frontier !== undefined) {
      break;
    }
    const copy = await readCopy(deps.client, copyIdFor(rp.id, region));
    if (copy === undefined) {
      unhandled.push(rp);
      continue;
    }
    handled.add(normalizeArmId(rp.id));
    if (frontier === undefined || (rp.timeCreated ?? '') > frontier) {
      frontier = rp.timeCreated;
    }
  }
  return { region, copies, handled, frontier, unhandled };
}

/**
 * Starts again the deletion of targets that ended copies left behind: a copy that ended Failed, TimedOut or
 * Canceled after Azure accepted it deletes its target, and when that failed (`cleanup.status: pending`), every
 * sweep tries again until the target is gone.
 */
async function cleanUpEndedTargets(
  deps: ReconcileDeps,
  state: RegionState,
  summary: ReconcileSummary,
): Promise<void> {
  for (const copy of state.copies) {
    if (copy.targetProvisioningState?.toLowerCase() === 'deleting') {
      continue;
    }
    const document: CopyDocument | undefined = await readCopy(
      deps.client,
      copyIdFor(copy.sourceRestorePointId, state.region),
    );
    if (document === undefined || !RESTARTABLE.has(document.status)) {
      continue;
    }
    const target = parseRestorePointId(copy.targetRestorePointId);
    if (!target.ok) {
      continue;
    }
    try {
      if ((await deps.compute.beginDeleteRestorePoint(target.value)) === 'accepted') {
        summary.cleanedUp.push(copy.targetRestorePointId);
      }
    } catch (error) {
      summary.failures.push(`deleting ${copy.targetRestorePointId}: ${ensureError(error).message}`);
    }
  }
}
