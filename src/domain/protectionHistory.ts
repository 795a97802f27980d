/**
 * A pair's history, for `GET /api/protection/{pair}`: each copy still in the target collection with its
 * duration, and the achieved RPO over time that those copies imply. Pure.
 */
import type { CopyDocument, CopyStatus } from './copyDocument';
import type { TargetCopyFacts } from './protection';

export interface HistoryCopy {
  copyId: string;
  targetRestorePointId: string;
  sourceRestorePointId: string;
  sourceCreatedAt: string | null;
  /** The copy's status from its instance; from ARM alone when the instance is gone (purged history). */
  status: CopyStatus | 'Usable' | 'Unknown';
  usable: boolean | null;
  requestedAt: string | null;
  startedAt: string | null;
  completedAt: string | null;
  /** From the request to the end (or to now while in flight); null when unknown. */
  durationSeconds: number | null;
}

/** One point of the achieved-RPO curve: the value right after `at`. */
export interface RpoPoint {
  at: string;
  hours: number;
}

const HOUR_MS = 3_600_000;

function seconds(fromIso: string | null, toIso: string | null): number | null {
  if (fromIso === null || toIso === null) {
    return null;
  }
  return Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000);
}

/** The copies oldest first, each with what its instance (when still there) says. */
export function historyCopies(
  copies: readonly TargetCopyFacts[],
  documents: ReadonlyMap<string, CopyDocument>,
  copyIdOf: (copy: TargetCopyFacts) => string,
  now: Date,
): HistoryCopy[] {
  return [...copies].reverse().flatMap((copy) => {
    if (copy.replication === 'deleting') {
      return [];
    }
    const copyId = copyIdOf(copy);
    const document = documents.get(copyId);
    const requestedAt = document?.createdAt ?? null;
    const completedAt = document?.completedAt ?? null;
    return [
      {
        copyId,
        targetRestorePointId: copy.targetRestorePointId,
        sourceRestorePointId: copy.sourceRestorePointId,
        sourceCreatedAt: copy.sourceCreatedAt ?? document?.sourceCreatedAt ?? null,
        status: document?.status ?? (copy.replication === 'usable' ? 'Usable' : 'Unknown'),
        usable: document?.usable ?? (copy.replication === 'usable' ? true : null),
        requestedAt,
        startedAt: document?.startedAt ?? null,
        completedAt,
        durationSeconds: seconds(
          requestedAt,
          completedAt ?? (document === undefined ? null : now.toISOString()),
        ),
      },
    ];
  });
}

/**
 * The achieved RPO over time: it grows by the hour and drops whenever a copy becomes usable, to the age of
 * that copy's source. Two points per usable copy (just before and just after it landed) and one for now.
 * Copies whose completion time is unknown are left out.
 */
export function rpoSeries(copies: readonly HistoryCopy[], now: Date): RpoPoint[] {
  const landed = copies
    .filter(
      (copy): copy is HistoryCopy & { completedAt: string; sourceCreatedAt: string } =>
        copy.usable === true && copy.completedAt !== null && copy.sourceCreatedAt !== null,
    )
    .sort((a, b) => a.completedAt.localeCompare(b.completedAt));
  const hours = (from: string, to: string): number =>
    Math.round(((Date.parse(to) - Date.parse(from)) / HOUR_MS) * 100) / 100;
  const points: RpoPoint[] = [];
  let previousSource: string | undefined;
  for (const copy of landed) {
    if (previousSource !== undefined) {
      points.push({ at: copy.completedAt, hours: hours(previousSource, copy.completedAt) });
    }
    points.push({ at: copy.completedAt, hours: hours(copy.sourceCreatedAt, copy.completedAt) });
    previousSource = copy.sourceCreatedAt;
  }
  if (previousSource !== undefined) {
    points.push({ at: now.toISOString(), hours: hours(previousSource, now.toISOString()) });
  }
  return points;
}
