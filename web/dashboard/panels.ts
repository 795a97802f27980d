// What the panels show, decided from API answers without the DOM, so it can be tested on its own.
// Every panel is built from GET /api/protection: the copy list pages by instance id (not newest first), so a
// bounded read of it would miss failures and copies in flight whenever the store holds more than a page.

export const STATES = ['Protected', 'AtRisk', 'Breached', 'Unprotected', 'Disabled'] as const;
export type State = (typeof STATES)[number];

/** 50 pages of 200 are 10,000 pairs: past that the page says it shows only part rather than loop forever. */
export const MAX_PROTECTION_PAGES = 50;

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
  lastFailure: {
    copyId: string;
    status: string;
    sourceRestorePointId: string;
    endedAt: string | null;
    error: { code: string; message: string; category: string; suggestion: string };
  } | null;
}
export interface ProtectionList {
  summary: Record<State, number>;
  pairs: PairEntry[];
  nextLink: string | null;
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
  status: string;
  endedAt: string | null;
  category: string;
  message: string;
  suggestion: string;
  /** Whether this failure is why the pair misses its RPO (its reason is `CopyFailed`), not only a warning. */
  keepsFromRpo: boolean;
}

/**
 * Every pair's last failure (the failed attempt after its newest usable copy), whatever the pair's state or
 * reason, so a failure behind an older copy that still keeps the pair Protected shows too. Newest end first;
 * those without an end last.
 */
export function failures(pairs: PairEntry[]): FailureRow[] {
  const rows = pairs.flatMap((pair): FailureRow[] => {
    const failure = pair.lastFailure;
    return failure === null
      ? []
      : [
          {
            copyId: failure.copyId,
            pairId: pair.id,
            sourceCollectionId: pair.sourceCollectionId,
            targetRegion: pair.targetRegion,
            status: failure.status,
            endedAt: failure.endedAt,
            category: failure.error.category,
            message: failure.error.message,
            suggestion: failure.error.suggestion,
            keepsFromRpo: pair.reason?.code === 'CopyFailed' && pair.reason.copyId === failure.copyId,
          },
        ];
  });
  return rows.sort((a, b) => (b.endedAt ?? '').localeCompare(a.endedAt ?? ''));
}
