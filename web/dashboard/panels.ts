// What the panels show, decided from API answers without the DOM, so it can be tested on its own.
// Every panel is built from GET /api/protection: the copy list pages by instance id (not newest first), so a
// bounded read of it would miss failures and copies in flight whenever the store holds more than a page.

export const STATES = ['Protected', 'AtRisk', 'Breached', 'Unprotected', 'Disabled'] as const;
export type State = (typeof STATES)[number];

/** 50 pages of 200 are 10,000 pairs: past that the page says it shows only part rather than loop forever. */
export const MAX_PROTECTION_PAGES = 50;
/** Failures cost a point read each (for their end time and status); past this the panel says how many it left out. */
export const MAX_FAILURE_READS = 50;

export interface CopyInFlight {
  copyId: string;
  status: string;
  percent: number;
  etaSeconds: number | null;
  stalled: boolean;
}
export interface PairEntry {
  id: string;
  state: State;
  sourceCollectionId: string;
  sourceVmId: string | null;
  targetRegion: string;
  rpo: { targetHours: number | null; achievedHours: number | null };
  copyInFlight: CopyInFlight | null;
  reason: {
    code: string;
    message: string;
    category?: string;
    suggestion?: string;
    copyId?: string;
  } | null;
}
export interface ProtectionList {
  summary: Record<State, number>;
  pairs: PairEntry[];
  nextLink: string | null;
}
/** The fields of GET /api/copies/{id} the failures panel reads. */
export interface CopyDoc {
  id: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
  error?: { category: string; message: string; suggestion: string };
}

export interface AllPairs {
  summary: Record<State, number>;
  pairs: PairEntry[];
  /** False when the page bound stopped the walk while the API still had a next page. */
  complete: boolean;
}

/** Follows every nextLink of GET /api/protection, up to MAX_PROTECTION_PAGES. */
export async function allPairs(getJson: <T>(path: string) => Promise<T>): Promise<AllPairs> {
  const first = await getJson<ProtectionList>('/api/protection?top=200');
  const pairs = [...first.pairs];
  let next = first.nextLink;
  for (let page = 1; next !== null && page < MAX_PROTECTION_PAGES; page += 1) {
    const more = await getJson<ProtectionList>(next);
    pairs.push(...more.pairs);
    next = more.nextLink;
  }
  return { summary: first.summary, pairs, complete: next === null };
}

export interface FlightRow extends CopyInFlight {
  pairId: string;
  sourceCollectionId: string;
  targetRegion: string;
}

/** One row per pair with a copy queued, starting or replicating: the one running, else the next in line. */
export function copiesInFlight(pairs: PairEntry[]): FlightRow[] {
  return pairs.flatMap((pair) =>
    pair.copyInFlight === null
      ? []
      : [
          {
            ...pair.copyInFlight,
            pairId: pair.id,
            sourceCollectionId: pair.sourceCollectionId,
            targetRegion: pair.targetRegion,
          },
        ],
  );
}

export interface FailureRow {
  copyId: string;
  pairId: string;
  sourceCollectionId: string;
  targetRegion: string;
  /** From the copy document; null when it could not be read (purged), then the pair's reason stands in. */
  status: string | null;
  endedAt: string | null;
  category: string;
  message: string;
  suggestion: string;
}

export interface Failures {
  rows: FailureRow[];
  /** How many pairs have a failure that matters, of which `rows` shows the first MAX_FAILURE_READS. */
  total: number;
}

/**
 * The failures that still matter: per pair, the failed copy attempt after its newest usable copy, as the
 * protection entry's reason names it. Newest first by the copy's end; the ones whose document is gone last.
 */
export async function failures(
  pairs: PairEntry[],
  readCopy: (copyId: string) => Promise<CopyDoc | undefined>,
): Promise<Failures> {
  const failing = pairs.filter(
    (pair): pair is PairEntry & { reason: { copyId: string } } =>
      pair.reason?.code === 'CopyFailed' && pair.reason.copyId !== undefined,
  );
  const read = failing.slice(0, MAX_FAILURE_READS);
  const documents = await Promise.all(read.map((pair) => readCopy(pair.reason.copyId)));
  const rows = read.map((pair, index): FailureRow => {
    const document = documents[index];
    return {
      copyId: pair.reason.copyId,
      pairId: pair.id,
      sourceCollectionId: pair.sourceCollectionId,
      targetRegion: pair.targetRegion,
      status: document?.status ?? null,
      endedAt: document === undefined ? null : (document.completedAt ?? document.createdAt),
      category: document?.error?.category ?? pair.reason.category ?? '',
      message: document?.error?.message ?? pair.reason.message,
      suggestion: document?.error?.suggestion ?? pair.reason.suggestion ?? '',
    };
  });
  rows.sort((a, b) => (b.endedAt ?? '').localeCompare(a.endedAt ?? ''));
  return { rows, total: failing.length };
}
