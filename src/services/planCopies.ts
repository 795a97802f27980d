import type { ComputeGateway } from '../azure/computeGateway';
import type { CopyReadClient } from '../azure/copyStatusStore';
import { readCopy } from '../azure/copyStatusStore';
import { listTargetCopies } from '../azure/targetCopies';
import type { AppConfig } from '../config';
import type { RestorePointRef } from '../domain/armIds';
import { collectionOf, formatCollectionId, formatRestorePointId } from '../domain/armIds';
import type { CopyStatus } from '../domain/copyDocument';
import { copyIdFor } from '../copyId';
import { evaluateOrdering } from '../domain/ordering';
import { TARGETS_TAG, isSubscriptionAllowed, resolveTargetRegions } from '../domain/policy';
import type { RestorePointView } from '../domain/restorePoints';
import type { TargetNames } from '../domain/targetNaming';
import { targetNamesFor } from '../domain/targetNaming';
import { BadRequestError, ConfigError, ConflictError, ForbiddenError, NotFoundError } from '../errors';
import { inspectSource } from './inspectSource';
import { RESTARTABLE } from './startCopies';

export interface CopyRequest {
  source: RestorePointRef;
  /** Regions named by the caller (normalized, without duplicates); undefined: the tag or the policy decides. */
  targetRegions?: readonly string[];
}

export interface PlannedTarget {
  region: string;
  names: TargetNames;
}

export interface CopyPlan {
  source: RestorePointRef;
  sourceRegion: string;
  targets: PlannedTarget[];
}

export interface PlanDeps {
  config: Pick<AppConfig, 'policy' | 'naming'>;
  compute: Pick<ComputeGateway, 'getRestorePoint' | 'getRestorePointCollection'>;
  copies: CopyReadClient;
}

/** Statuses of a newer copy of the pair that make an older restore point certain to be skipped. */
const IN_FLIGHT: ReadonlySet<CopyStatus> = new Set(['Starting', 'Replicating']);

/**
 * Decides what an explicit copy request would start, or refuses it: every check that can fail runs before
 * anything starts, so a refused request starts nothing.
 *
 * @throws ApiError (bad request, forbidden, not found, conflict) for a request that cannot succeed.
 * @throws ConfigError when the naming templates give no valid target.
 * @throws AzureRequestError when ARM fails.
 */
export async function planCopies(deps: PlanDeps, request: CopyRequest): Promise<CopyPlan> {
  const { config } = deps;
  const { source } = request;
  if (!isSubscriptionAllowed(config.policy, source.subscriptionId)) {
    throw new ForbiddenError(
      'SubscriptionNotAllowed',
      `Subscription ${source.subscriptionId} is outside the subscriptions rpcopy may copy from.`,
    );
  }
  const inspection = await inspectSource(deps.compute, source, { restorePoints: true });
  if (inspection.kind === 'not-found') {
    throw new NotFoundError('SourceNotFound', inspection.message);
  }
  if (inspection.kind === 'copy-of-copy') {
    throw new ConflictError('CopyOfCopy', inspection.message);
  }
  const { sourceRegion, collection, restorePoint } = inspection;
  const regions = chooseRegions(config, request, sourceRegion, collection);
  const targets = regions.map((region) => {
    const names = targetNamesFor(config.naming, source, sourceRegion, region);
    if (!names.ok) {
      throw new ConfigError([names.message]);
    }
    return { region, names: names.value };
  });

  // Azure copies a pair's restore points only in creation order: refuse the whole request when a region can
  // never take this one, rather than accept a copy that is certain to end Skipped.
  const outOfOrder: string[] = [];
  for (const target of targets) {
    const reason = await orderingConflict(deps, source, restorePoint, collection.restorePoints ?? [], target);
    if (reason !== undefined) {
      outOfOrder.push(`${target.region} (${reason})`);
    }
  }
  if (outOfOrder.length > 0) {
    throw new ConflictError(
      'OutOfOrder',
      `Azure copies restore points only in creation order and this one is older than a copy already made or being made: ${outOfOrder.join(', ')}. Nothing was started.`,
    );
  }
  return { source, sourceRegion, targets };
}

function chooseRegions(
  config: PlanDeps['config'],
  request: CopyRequest,
  sourceRegion: string,
  collection: { location: string; tags: Readonly<Record<string, string>> },
): string[] {
  if (request.targetRegions !== undefined) {
    if (request.targetRegions.includes(sourceRegion)) {
      throw new BadRequestError(
        'SameRegion',
        `The source is in ${sourceRegion}; a copy must go to another region.`,
      );
    }
    return [...request.targetRegions];
  }
  const decision = resolveTargetRegions(config.policy, {
    ref: collectionOf(request.source),
    location: collection.location,
    tags: collection.tags,
  });
  switch (decision.kind) {
    case 'copy':
      if (decision.regions.length === 0) {
        throw new BadRequestError(
          'NoTargetRegions',
          'The policy gives no region other than the source region.',
        );
      }
      return decision.regions;
    case 'disabled':
      throw new BadRequestError(
        'NoTargetRegions',
        `The collection's ${TARGETS_TAG} tag is 'none'; pass targetRegions to copy it anyway.`,
      );
    case 'invalid-tag':
      throw new BadRequestError('NoTargetRegions', `${decision.message}; fix the tag or pass targetRegions.`);
    case 'no-rule':
    case 'not-allowed':
      throw new BadRequestError(
        'NoTargetRegions',
        'No policy rule covers this collection; pass targetRegions.',
      );
  }
}

/**
 * Why `restorePoint` can never be copied to `target.region`, or undefined when it still can (or when its copy
 * already exists and the request will just return it).
 */
async function orderingConflict(
  deps: PlanDeps,
  source: RestorePointRef,
  restorePoint: RestorePointView,
  sourceRestorePoints: readonly RestorePointView[],
  target: PlannedTarget,
): Promise<string | undefined> {
  const sourceId = formatRestorePointId(source);
  const existing = await readCopy(deps.copies, copyIdFor(sourceId, target.region));
  if (existing !== undefined && !RESTARTABLE.has(existing.status)) {
    return undefined;
  }
  const copies = await listTargetCopies(
    deps.compute,
    collectionOf(source),
    formatCollectionId(collectionOf(source)),
    target.names.collection,
    sourceRestorePoints,
  );
  if (copies.kind === 'conflict') {
    throw new ConflictError(
      'TargetCollectionConflict',
      `Target collection ${target.names.collectionId} already copies ${copies.copiesFrom ?? 'something else'}.`,
    );
  }
  const createdAt = restorePoint.timeCreated;
  if (createdAt === undefined) {
    return undefined;
  }
  if (copies.kind === 'copies') {
    const verdict = evaluateOrdering({ restorePointId: sourceId, createdAt }, copies.copies);
    if (verdict.kind === 'out-of-order') {
      return `newer ${verdict.newerSourceRestorePointId} already copied`;
    }
  }
  // None of the newer restore points is in the target yet; one that rpcopy is already starting or replicating
  // will be, before this one could get its turn. A newer one that is only queued lets this one go first.
  const newer = sourceRestorePoints
    .filter(
      (rp) =>
        rp.sourceRestorePointId === undefined &&
        rp.timeCreated !== undefined &&
        Date.parse(rp.timeCreated) > Date.parse(createdAt),
    )
    .sort((a, b) => Date.parse(b.timeCreated ?? '') - Date.parse(a.timeCreated ?? ''));
  for (const rp of newer) {
    const copy = await readCopy(deps.copies, copyIdFor(rp.id, target.region));
    if (copy !== undefined && IN_FLIGHT.has(copy.status)) {
      return `newer ${copy.sourceRestorePointId} is being copied`;
    }
  }
  return undefined;
}
