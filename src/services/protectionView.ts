import { parseCollectionId } from '../domain/armIds';
import type { CopyDocument } from '../domain/copyDocument';
import { copyIdFor } from '../copyId';
import { isSubscriptionAllowed } from '../domain/policy';
import type { PairFacts, ProtectionEntry } from '../domain/protection';
import { evaluateProtection } from '../domain/protection';
import { parsePairId } from '../pairId';
import type { HistoryCopy, RpoPoint } from '../domain/protectionHistory';
import { historyCopies, rpoSeries } from '../domain/protectionHistory';
import type { CollectionView } from '../domain/restorePoints';
import type { ProtectionDeps, SourceInScope } from './protectionFacts';
import { gatherPairFacts, inScope, sourcesInScope } from './protectionFacts';
import type { Logger } from '../logger';

export type ProtectionLogger = Pick<Logger, 'warn'>;

export interface EvaluatedPair {
  source: SourceInScope;
  facts: PairFacts;
  entry: ProtectionEntry;
}

function logWarnings(source: SourceInScope, log: ProtectionLogger): void {
  for (const warning of source.protection.warnings) {
    log.warn(`Collection ${source.collection.id}: ${warning}`);
  }
}

/** The pairs of one source collection, evaluated at `now` (one ARM read of the source, then per region). */
export async function* evaluateSource(
  deps: ProtectionDeps,
  source: SourceInScope,
  regions: readonly string[],
  log: ProtectionLogger,
  alreadyExpanded?: CollectionView,
): AsyncGenerator<EvaluatedPair> {
  if (regions.length === 0) {
    return;
  }
  const expanded =
    alreadyExpanded ?? (await deps.compute.getRestorePointCollection(source.ref, { restorePoints: true }));
  if (expanded === undefined) {
    return;
  }
  logWarnings(source, log);
  for (const region of regions) {
    const facts = await gatherPairFacts(deps, source, expanded, region);
    yield { source, facts, entry: evaluateProtection(facts, deps.now(), deps.protection.atRiskPercent) };
  }
}

export interface PairFilter {
  subscriptions: readonly string[];
  region?: string;
}

/** Every pair in scope (optionally of some subscriptions or one region), evaluated at `now`. */
export async function* evaluatePairs(
  deps: ProtectionDeps,
  filter: PairFilter,
  log: ProtectionLogger,
): AsyncGenerator<EvaluatedPair> {
  for await (const source of sourcesInScope(deps, filter.subscriptions)) {
    const regions = source.regions.filter(
      (region) => filter.region === undefined || region === filter.region,
    );
    yield* evaluateSource(deps, source, regions, log);
  }
}

export interface PairDetail extends ProtectionEntry {
  history: {
    /** The copies still in the target collection, oldest first (retention decides how far back it goes). */
    copies: HistoryCopy[];
    /** Achieved RPO over time, from those copies. */
    rpo: RpoPoint[];
  };
}

export type PairLookup =
  { kind: 'invalid-id' } | { kind: 'not-found'; message: string } | { kind: 'found'; detail: PairDetail };

/** Copy instances read for one pair's history. */
const MAX_HISTORY_COPIES = 100;

/** One pair with its history; reads nothing but that pair's collections and copy instances. */
export async function getPairDetail(
  deps: ProtectionDeps,
  pairId: string,
  log: ProtectionLogger,
): Promise<PairLookup> {
  const pair = parsePairId(pairId);
  const ref = pair === undefined ? undefined : parseCollectionId(pair.sourceCollectionId);
  if (pair === undefined || ref === undefined || !ref.ok) {
    return { kind: 'invalid-id' };
  }
  const notFound = {
    kind: 'not-found',
    message: `No pair of ${pair.sourceCollectionId} and ${pair.targetRegion} is in scope.`,
  } as const;
  if (!isSubscriptionAllowed(deps.policy, ref.value.subscriptionId)) {
    return notFound;
  }
  const collection = await deps.compute.getRestorePointCollection(ref.value, { restorePoints: true });
  const source = collection === undefined ? undefined : inScope(deps, collection);
  if (collection === undefined || source === undefined || !source.regions.includes(pair.targetRegion)) {
    return notFound;
  }
  logWarnings(source, log);
  const facts = await gatherPairFacts(deps, source, collection, pair.targetRegion);
  const now = deps.now();
  const entry = evaluateProtection(facts, now, deps.protection.atRiskPercent);
  const copies = facts.target.kind === 'collection' ? facts.target.copies.slice(0, MAX_HISTORY_COPIES) : [];
  const idOf = (copy: { sourceRestorePointId: string }): string =>
    copyIdFor(copy.sourceRestorePointId, pair.targetRegion);
  const documents = new Map<string, CopyDocument>();
  await Promise.all(
    copies.map(async (copy) => {
      const document = await deps.copies.getCopy(idOf(copy));
      if (document !== undefined) {
        documents.set(document.id, document);
      }
    }),
  );
  const history = historyCopies(copies, documents, idOf, now);
  return { kind: 'found', detail: { ...entry, history: { copies: history, rpo: rpoSeries(history, now) } } };
}
