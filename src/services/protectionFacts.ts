import type { ComputeGateway } from '../azure/computeGateway';
import { LINEAGE_TAGS } from '../domain/lineageTags';
import type { CollectionRef } from '../domain/armIds';
import {
  armIdsEqual,
  collectionOf,
  formatCollectionId,
  isCollectionId,
  normalizeArmId,
  parseCollectionId,
  parseRestorePointId,
} from '../domain/armIds';
import type { CopyDocument } from '../domain/copyDocument';
import { isTerminalStatus } from '../domain/copyDocument';
import { copyIdFor } from '../copyId';
import type { CopyPolicy } from '../domain/policy';
import { isSubscriptionAllowed, resolveTargetRegions } from '../domain/policy';
import type {
  CopyFailure,
  CopyInFlight,
  PairFacts,
  PairIdentity,
  SourcePointFacts,
  TargetCopyFacts,
  TargetFacts,
} from '../domain/protection';
import { pairIdFor } from '../pairId';
import type { ProtectionSettings, ResolvedProtection } from '../domain/protectionPolicy';
import { resolveProtection } from '../domain/protectionPolicy';
import { normalizeRegion } from '../domain/regions';
import { evaluateReplication } from '../domain/replication';
import type { CollectionView, RestorePointView } from '../domain/restorePoints';
import type { NamingTemplates } from '../domain/targetNaming';
import { targetNamesFor } from '../domain/targetNaming';

/** Reads one copy by its deterministic id (a point read; `CopyStatusStore` is one). */
export interface CopyLookup {
  getCopy(id: string): Promise<CopyDocument | undefined>;
}

export interface ProtectionDeps {
  compute: ComputeGateway;
  copies: CopyLookup;
  policy: CopyPolicy;
  naming: NamingTemplates;
  protection: ProtectionSettings;
  /** ARM's clock when known (see `ServerClock`), else the host's. */
  now: () => Date;
}

/** Instance-view reads per pair while looking for the newest usable copy. */
const MAX_REPLICATION_READS = 20;
/** Copy instances read per pair while looking for a copy in flight or a failure. */
const MAX_COPY_READS = 8;

/** A source collection in scope and the regions it copies to. */
export interface SourceInScope {
  ref: CollectionRef;
  collection: CollectionView;
  regions: string[];
  protection: ResolvedProtection;
}

/** Whether a listed collection is a source (not a copy target, not rpcopy's own). */
function isSourceCollection(collection: CollectionView): boolean {
  const managed = Object.keys(collection.tags).some((name) => name.toLowerCase() === LINEAGE_TAGS.managedBy);
  return !managed && !(collection.sourceId !== undefined && isCollectionId(collection.sourceId));
}

/**
 * The source collections of the allowed subscriptions that the policy copies somewhere, with their regions
 * and protection. Reads one collection list per subscription.
 */
export async function* sourcesInScope(
  deps: Pick<ProtectionDeps, 'compute' | 'policy' | 'protection'>,
  subscriptions: readonly string[],
): AsyncGenerator<SourceInScope> {
  for (const subscriptionId of subscriptions) {
    if (!isSubscriptionAllowed(deps.policy, subscriptionId)) {
      continue;
    }
    for await (const listed of deps.compute.listRestorePointCollections(subscriptionId)) {
      const scoped = inScope(deps, listed);
      if (scoped !== undefined) {
        yield scoped;
      }
    }
  }
}

/** The scope of one source collection; undefined when the policy copies it nowhere. */
export function inScope(
  deps: Pick<ProtectionDeps, 'policy' | 'protection'>,
  collection: CollectionView,
): SourceInScope | undefined {
  const ref = parseCollectionId(collection.id);
  if (!ref.ok || !isSourceCollection(collection)) {
    return undefined;
  }
  const facts = { ref: ref.value, location: collection.location, tags: collection.tags };
  const decision = resolveTargetRegions(deps.policy, facts);
  if (decision.kind !== 'copy' || decision.regions.length === 0) {
    return undefined;
  }
  return {
    ref: ref.value,
    collection,
    regions: decision.regions,
    protection: resolveProtection(deps.policy, deps.protection, facts),
  };
}

function usableSources(collection: CollectionView): SourcePointFacts[] {
  return (collection.restorePoints ?? [])
    .filter(
      (rp) =>
        rp.sourceRestorePointId === undefined &&
        rp.timeCreated !== undefined &&
        (rp.provisioningState === undefined || rp.provisioningState.toLowerCase() === 'succeeded'),
    )
    .map((rp) => ({ id: rp.id, name: rp.name, createdAt: rp.timeCreated ?? '' }))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function tag(tags: Readonly<Record<string, string>>, name: string): string | undefined {
  const key = Object.keys(tags).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : tags[key];
}

/**
 * Everything the protection view and retention need about one pair, read from ARM (the source collection,
 * the target collection, the instance view of the newest copies) and from the copy instances whose ids follow
 * from the restore points (point reads, never a listing of instances).
 *
 * @param expandedSource the source collection read with its restore points.
 * @throws AzureRequestError when ARM fails.
 */
export async function gatherPairFacts(
  deps: ProtectionDeps,
  source: SourceInScope,
  expandedSource: CollectionView,
  targetRegion: string,
): Promise<PairFacts> {
  const sourceCollectionId = formatCollectionId(source.ref);
  const sourceRegion =
    normalizeRegion(source.collection.location) ?? source.collection.location.toLowerCase();
  const sources = usableSources(expandedSource);
  const newestSource = sources.at(-1);
  const unsure: string[] = [];
  // The collection template names one collection per pair; any restore point name renders it.
  const names = targetNamesFor(
    deps.naming,
    { ...source.ref, restorePointName: newestSource?.name ?? 'rp' },
    sourceRegion,
    targetRegion,
  );
  const pair: PairIdentity = {
    id: pairIdFor(sourceCollectionId, targetRegion),
    subscriptionId: source.ref.subscriptionId.toLowerCase(),
    sourceCollectionId,
    sourceVmId: source.collection.sourceId ?? null,
    sourceRegion,
    targetRegion,
    targetCollectionId: names.ok ? names.value.collectionId : '',
  };
  const base = { pair, protection: source.protection, sources, unsure };
  if (!names.ok) {
    return {
      ...base,
      target: { kind: 'foreign', message: names.message },
      inFlight: null,
      lastFailure: null,
    };
  }
  const targetRef = names.value.collection;
  if (!isSubscriptionAllowed(deps.policy, targetRef.subscriptionId)) {
    return {
      ...base,
      target: {
        kind: 'foreign',
        message: `The target ${names.value.collectionId} is outside the allowed subscriptions.`,
      },
      inFlight: null,
      lastFailure: null,
    };
  }
  const targetCollection = await deps.compute.getRestorePointCollection(targetRef, { restorePoints: true });
  let target: TargetFacts;
  if (targetCollection === undefined) {
    target = { kind: 'none' };
  } else if (
    targetCollection.sourceId === undefined ||
    !armIdsEqual(targetCollection.sourceId, sourceCollectionId)
  ) {
    target = {
      kind: 'foreign',
      message: `Target collection ${names.value.collectionId} copies ${targetCollection.sourceId ?? 'nothing'}, not ${sourceCollectionId}.`,
    };
  } else {
    target = await readCopies(deps, pair, expandedSource, targetCollection);
  }

  const copies = target.kind === 'collection' ? target.copies : [];
  const documents = await readCandidateCopies(deps, sources, copies, targetRegion, unsure);
  const inFlight = inFlightOf(documents, deps.now());
  const lastFailure = lastFailureOf(documents);
  return { ...base, target, inFlight, lastFailure };
}

/**
 * Copies that could be queued or starting: those of the sources newer than the newest copy (only newer ones
 * can still be copied), and the one replicating in the target. Notes in `unsure` when not all were read.
 */
async function readCandidateCopies(
  deps: ProtectionDeps,
  sources: SourcePointFacts[],
  copies: TargetCopyFacts[],
  targetRegion: string,
  unsure: string[],
): Promise<CopyDocument[]> {
  // A failed copy's target restore point lingers (failed, then deleting) before it is gone; counting it as
  // a copy would hide its failure until the deletion ends, so only copies that are or may become usable count.
  const held = copies.filter((copy) => copy.replication !== 'failed' && copy.replication !== 'deleting');
  const copiedSources = new Set(held.map((copy) => normalizeArmId(copy.sourceRestorePointId)));
  const newestCopiedAt = held
    .map((copy) => copy.sourceCreatedAt)
    .filter((time): time is string => time !== undefined)
    .sort()
    .at(-1);
  const pending = sources.filter(
    (rp) =>
      !copiedSources.has(normalizeArmId(rp.id)) &&
      (newestCopiedAt === undefined || rp.createdAt > newestCopiedAt),
  );
  if (pending.length > MAX_COPY_READS) {
    unsure.push(
      `${pending.length} source restore points wait for a copy; only the oldest and newest of them were checked for a copy in flight`,
    );
  }
  const half = Math.floor(MAX_COPY_READS / 2);
  const checked =
    pending.length > MAX_COPY_READS ? [...pending.slice(0, half), ...pending.slice(-half)] : pending;
  const candidateSources = [
    ...copies.filter((copy) => copy.replication === 'replicating').map((copy) => copy.sourceRestorePointId),
    ...checked.map((rp) => rp.id),
  ];
  return (
    await Promise.all(candidateSources.map((id) => deps.copies.getCopy(copyIdFor(id, targetRegion))))
  ).filter((document): document is CopyDocument => document !== undefined);
}

function inFlightOf(documents: CopyDocument[], now: Date): CopyInFlight | null {
  const live = documents.filter((document) => !isTerminalStatus(document.status));
  const active =
    live.find((document) => document.status === 'Starting' || document.status === 'Replicating') ?? live[0];
  return active === undefined
    ? null
    : {
        copyId: active.id,
        status: active.status,
        sourceRestorePointId: active.sourceRestorePointId,
        targetRestorePointId: active.targetRestorePointId,
        percent: active.progress.percent,
        etaSeconds: active.progress.etaSeconds,
        etaAt:
          active.progress.etaSeconds === null
            ? null
            : new Date(now.getTime() + active.progress.etaSeconds * 1000).toISOString(),
        stalled: active.progress.stalled,
      };
}

function lastFailureOf(documents: CopyDocument[]): CopyFailure | null {
  const failed = documents
    .filter((document) => isTerminalStatus(document.status) && document.error !== undefined)
    .sort((a, b) => (b.sourceCreatedAt ?? b.createdAt).localeCompare(a.sourceCreatedAt ?? a.createdAt))[0];
  return failed?.error === undefined
    ? null
    : {
        copyId: failed.id,
        status: failed.status,
        sourceRestorePointId: failed.sourceRestorePointId,
        endedAt: failed.completedAt,
        error: failed.error,
      };
}

/** Why a restore point in the target collection may not be rpcopy's copy of a source, or undefined when it is. */
function lineageNoteFor(
  deps: ProtectionDeps,
  rp: RestorePointView,
  pair: { managed: boolean; sourceCollectionId: string; sourceRegion: string; targetRegion: string },
): string | undefined {
  const { managed, sourceCollectionId, sourceRegion, targetRegion } = pair;
  const sourceId = rp.sourceRestorePointId ?? '';
  const sourceRef = parseRestorePointId(sourceId);
  if (!managed) {
    return `the target collection lacks rpcopy's lineage tags (${LINEAGE_TAGS.managedBy}, ${LINEAGE_TAGS.sourceCollection})`;
  }
  if (rp.sourceRestorePointId === undefined) {
    return 'it is not a copy (no source restore point)';
  }
  if (!sourceRef.ok || !armIdsEqual(formatCollectionId(collectionOf(sourceRef.value)), sourceCollectionId)) {
    return `its source ${sourceId} is not in ${sourceCollectionId}`;
  }
  const expected = targetNamesFor(deps.naming, sourceRef.value, sourceRegion, targetRegion);
  if (!expected.ok || !armIdsEqual(expected.value.restorePointId, rp.id)) {
    return `its name is not the one rpcopy gives a copy of ${sourceId}`;
  }
  return undefined;
}

async function readCopies(
  deps: ProtectionDeps,
  pair: PairIdentity,
  expandedSource: CollectionView,
  targetCollection: CollectionView,
): Promise<TargetFacts> {
  const { sourceCollectionId, sourceRegion, targetRegion } = pair;
  const managedBy = tag(targetCollection.tags, LINEAGE_TAGS.managedBy);
  const lineageSource = tag(targetCollection.tags, LINEAGE_TAGS.sourceCollection);
  const managed =
    managedBy?.toLowerCase() === 'rpcopy' &&
    lineageSource !== undefined &&
    armIdsEqual(lineageSource, sourceCollectionId);
  const sourceCreatedAt = new Map(
    (expandedSource.restorePoints ?? []).flatMap((rp) =>
      rp.timeCreated === undefined ? [] : [[normalizeArmId(rp.id), rp.timeCreated] as const],
    ),
  );
  const copies: TargetCopyFacts[] = (targetCollection.restorePoints ?? []).map((rp) => {
    const sourceId = rp.sourceRestorePointId ?? '';
    const lineageNote = lineageNoteFor(deps, rp, { managed, sourceCollectionId, sourceRegion, targetRegion });
    const created = sourceCreatedAt.get(normalizeArmId(sourceId));
    const deleting = /^deleting$/i.test(rp.provisioningState ?? '');
    return {
      targetRestorePointId: rp.id,
      sourceRestorePointId: sourceId,
      ...(created === undefined ? {} : { sourceCreatedAt: created }),
      ...(rp.timeCreated === undefined ? {} : { createdAt: rp.timeCreated }),
      replication: deleting ? 'deleting' : 'unknown',
      lineage: lineageNote === undefined ? 'rpcopy' : 'unsure',
      ...(lineageNote === undefined ? {} : { lineageNote }),
    };
  });
  const byCreation = copies.every((copy) => copy.createdAt !== undefined);
  const bySource = copies.every((copy) => copy.sourceCreatedAt !== undefined);
  const key = (copy: TargetCopyFacts): string =>
    (byCreation ? copy.createdAt : copy.sourceCreatedAt) ?? copy.createdAt ?? copy.sourceCreatedAt ?? '';
  copies.sort(
    (a, b) => key(b).localeCompare(key(a)) || b.targetRestorePointId.localeCompare(a.targetRestorePointId),
  );

  // Newest first until a usable copy: that one, and the state of everything newer.
  let reads = 0;
  for (const copy of copies) {
    if (copy.replication === 'deleting' || copy.sourceRestorePointId === '') {
      continue;
    }
    if (reads++ >= MAX_REPLICATION_READS) {
      break;
    }
    const ref = parseRestorePointId(copy.targetRestorePointId);
    if (!ref.ok) {
      continue;
    }
    const view = await deps.compute.getRestorePoint(ref.value, { instanceView: true });
    if (view === undefined) {
      copy.replication = 'deleting';
      continue;
    }
    const state = evaluateReplication(view).state;
    copy.replication = state === 'succeeded' ? 'usable' : state === 'failed' ? 'failed' : 'replicating';
    if (copy.replication === 'usable') {
      break;
    }
  }
  return {
    kind: 'collection',
    copies,
    orderKnown: byCreation || bySource,
    tags: targetCollection.tags,
    location: targetCollection.location,
  };
}
