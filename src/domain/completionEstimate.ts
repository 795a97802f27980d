/**
 * When a copy will end, from each disk's own rate.
 *
 * @remarks Disks replicate in parallel and the copy ends with its last disk, so an overall percent (weighted
 * by size) runs ahead of the disk that decides the end: a small disk at 80 % and a big one at 10 % make 18 %,
 * and an estimate from that rate is about half the real remaining time. Azure reports whole percents, so
 * every figure here also has bounds: true progress at a reading of `p` lies in `[p, p + 1)`. Pure; times are
 * epoch seconds.
 */

export interface DiskReading {
  /** Epoch seconds of the refresh the reading reflects, best estimate (at latest the poll that saw it). */
  at: number;
  /** The refresh happened after this (the poll before); equal to `at` when it is known exactly. */
  since: number;
  percent: number;
}

/** What is remembered of one disk: the reading progress is measured from, and the latest. */
export interface DiskTrack {
  /** The last reading of 0 before progress showed, or the first reading when it already had some. */
  from: DiskReading;
  /** The first sighting of the latest percent: later polls that saw it again say nothing new. */
  latest: DiskReading;
}

/** Adds one poll's per-disk percents (Azure's disk order) to the tracks. */
export function trackDisks(
  tracks: readonly DiskTrack[],
  refresh: { at: number; since: number },
  percents: readonly number[],
): DiskTrack[] {
  return percents.map((percent, index) => {
    const track = tracks[index];
    // Readings are dated by the refresh they reflect, which is estimated; never date one before the last.
    const at = Math.max(refresh.at, track?.latest.at ?? refresh.at);
    const reading = {
      at,
      since: Math.min(at, Math.max(refresh.since, track?.latest.at ?? refresh.since)),
      percent,
    };
    if (track === undefined || percent < track.latest.percent) {
      // New, or progress went backwards (a re-created copy): start this disk over.
      return { from: reading, latest: reading };
    }
    if (percent === track.latest.percent) {
      return percent === 0 ? { from: reading, latest: reading } : track;
    }
    return { from: track.from, latest: reading };
  });
}

/**
 * Replication begins within this long after the origin (the origin is a minute before the orchestrator saw
 * Azure accept the copy; Azure starts replicating when it accepts). A disk cannot have gone faster than its
 * reading over the time since then.
 */
export const START_WINDOW_SECONDS = 90;

export interface DiskEstimate {
  /** Percent per second; undefined until the disk has moved. */
  rate?: number;
  /** The disk's best-guess end, epoch seconds; undefined when finished or not yet measurable. */
  endsAt?: number;
  /** The soonest it can end, given whole-percent rounding. */
  earliestEnd?: number;
  /** The slowest rate the readings allow, percent per second. */
  slowestRate?: number;
  /** The fastest rate the readings allow, percent per second. */
  fastestRate?: number;
}

/**
 * `origin`: an instant no replication can have come before (epoch seconds), when known. Progress is 0 there,
 * which bounds how fast a disk can be going more tightly than its first readings do: a disk first seen at 1 %
 * has gained under 2 % since the origin.
 */
export function estimateDisk(track: DiskTrack, origin?: number): DiskEstimate {
  const { from, latest } = track;
  if (latest.percent >= 100) {
    return {};
  }
  const elapsed = latest.at - from.at;
  const gained = latest.percent - from.percent;
  if (elapsed <= 0 || gained <= 0) {
    return {};
  }
  const rate = gained / elapsed;
  // The fastest the readings allow: a whole percent more, over the shortest time the refreshes allow.
  const shortest = latest.since - from.at;
  // Replication began at the latest a little after the origin, so the latest reading took at least this long.
  const sinceOrigin = origin === undefined ? 0 : latest.since - (origin + START_WINDOW_SECONDS);
  const fastest = Math.min(
    shortest > 0 ? (gained + 1) / shortest : Infinity,
    sinceOrigin > 0 ? (latest.percent + 1) / sinceOrigin : Infinity,
  );
  return {
    rate,
    // On average a reading is half a percent past its whole number.
    endsAt: latest.at + (99.5 - latest.percent) / rate,
    earliestEnd: latest.since + (99 - latest.percent) / fastest,
    slowestRate: Math.max(0, gained - 1) / elapsed,
    fastestRate: fastest,
  };
}

export interface CompletionEstimate {
  /** When the last disk ends, epoch seconds; undefined while an unfinished disk has not moved yet. */
  endsAt?: number;
  /** The soonest the last disk can end. */
  earliestEnd?: number;
  /**
   * Whether some unfinished disk surely gains a whole percent every `periodSeconds`, so that every refresh
   * shows as a change (and a poll pair without change proves there was no refresh between them).
   */
  everyRefreshShows: (periodSeconds: number) => boolean;
}

/** The copy ends when its last disk does. */
export function estimateCopyEnd(tracks: readonly DiskTrack[], origin?: number): CompletionEstimate {
  const unfinished = tracks.filter((track) => track.latest.percent < 100);
  const estimates = unfinished.map((track) => estimateDisk(track, origin));
  const everyRefreshShows = (periodSeconds: number): boolean =>
    estimates.some((estimate) => (estimate.slowestRate ?? 0) * periodSeconds >= 1);
  if (unfinished.length === 0 || estimates.some((estimate) => estimate.endsAt === undefined)) {
    return { everyRefreshShows };
  }
  return {
    endsAt: Math.max(...estimates.map((estimate) => estimate.endsAt ?? 0)),
    earliestEnd: Math.max(...estimates.map((estimate) => estimate.earliestEnd ?? 0)),
    everyRefreshShows,
  };
}
