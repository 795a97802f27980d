/**
 * Where a copy's progress refreshes fall, learned from what the polls saw.
 *
 * @remarks Azure recomputes a copy's `completionPercent` about every 10 minutes, at instants of its own that
 * differ between copies. Two polls that saw different percents prove a refresh between them (the size of the
 * change, once the rates are known, says how many); two that saw the same percents prove there was none, but
 * only while every refresh surely moves some disk by a whole percent. Each such count places the refreshes
 * whose windows the interval between the polls cuts, and each placement cuts the set of (instant, period)
 * pairs still possible, kept exactly as a convex polygon: a read in the middle of a window halves it, and
 * refreshes some periods apart pin the period. Evidence that contradicts the lock (a skipped or late refresh,
 * a clock jump) drops it, and the schedule falls back to looking without it. Pure; times are epoch seconds.
 */

export interface RefreshLock {
  /** A refresh happened after `lo` and at or before `hi`. */
  lo: number;
  hi: number;
  /** Bounds of the period between refreshes. */
  periodMin: number;
  periodMax: number;
  /**
   * The (instant, period) pairs still possible for the locked refresh and the ones after it, as the vertices
   * of a convex polygon; absent in locks from before it was kept (the box above then stands for it). Two
   * windows some periods apart pin the period only jointly with the instant: a box forgets that a late
   * first refresh goes with a short period, and its projection blurs by the whole period spread every period.
   */
  region?: Vertex[];
}

/** [instant of the locked refresh, period], epoch seconds and seconds. */
export type Vertex = [number, number];

export interface RefreshWindow {
  /** Refreshes after the locked one. */
  index: number;
  lo: number;
  hi: number;
}

/** How far Azure's period may stray from the configured one before anything is known. */
const PERIOD_SPREAD = 0.1;
/** Refreshes are not exact: each projected one may land this much either side. */
const JITTER_SECONDS = 5;
/**
 * How far a poll's recorded time may be from the instant Azure answered it. A durable timer can fire up to a
 * second before its fire time, and a reading is dated when the orchestrator sees the answer, a little after
 * the read. So a change is only trusted to have come after `from` less this margin, and an unchanged reading
 * only proves that no refresh came before `to` less this margin: a read that lands just before the refresh
 * it was aimed at narrows the lock instead of breaking it.
 */
export const TIMING_MARGIN_SECONDS = 2;

function freshLock(lo: number, hi: number, nominalPeriod: number): RefreshLock {
  const periodMin = nominalPeriod * (1 - PERIOD_SPREAD);
  const periodMax = nominalPeriod * (1 + PERIOD_SPREAD);
  return (
    withRegion(
      lo,
      hi,
      boxAround([
        [lo, periodMin],
        [hi, periodMax],
      ]),
    ) ?? { lo, hi, periodMin, periodMax }
  );
}

function regionOf(lock: RefreshLock): Vertex[] {
  return (
    lock.region ??
    boxAround([
      [lock.lo, lock.periodMin],
      [lock.hi, lock.periodMax],
    ])
  );
}

/** A lock from its region, the anchor window kept within `lo` and `hi`; undefined when nothing is left. */
function withRegion(lo: number, hi: number, region: Vertex[]): RefreshLock | undefined {
  if (region.length === 0) {
    return undefined;
  }
  const instants = region.map(([instant]) => instant);
  const periods = region.map(([, period]) => period);
  const anchorLo = Math.max(lo, Math.min(...instants));
  const anchorHi = Math.min(hi, Math.max(...instants));
  if (anchorLo > anchorHi) {
    return undefined;
  }
  return {
    lo: anchorLo,
    hi: anchorHi,
    periodMin: Math.min(...periods),
    periodMax: Math.max(...periods),
    region,
  };
}

/** The part of `region` where `instant + index * period` is above `bound` (`sign` 1) or at most it (-1). */
function clip(region: Vertex[], index: number, bound: number, sign: 1 | -1): Vertex[] {
  const side = ([instant, period]: Vertex): number => sign * (instant + index * period - bound);
  const kept: Vertex[] = [];
  region.forEach((vertex, i) => {
    const next = region[(i + 1) % region.length] ?? vertex;
    const here = side(vertex);
    const there = side(next);
    if (here >= 0) {
      kept.push(vertex);
    }
    if ((here > 0 && there < 0) || (here < 0 && there > 0)) {
      const t = here / (here - there);
      kept.push([vertex[0] + t * (next[0] - vertex[0]), vertex[1] + t * (next[1] - vertex[1])]);
    }
  });
  return kept;
}

/** Rounds away float noise and merges vertices that coincide, so a long-lived region stays small. */
function tidy(region: Vertex[]): Vertex[] {
  const rounded = region.map(([instant, period]): Vertex => [
    Math.round(instant * 1000) / 1000,
    Math.round(period * 1e6) / 1e6,
  ]);
  return rounded.filter((vertex, i) => {
    const previous = rounded[(i + rounded.length - 1) % rounded.length];
    return (
      rounded.length === 1 ||
      previous === undefined ||
      Math.abs(previous[0] - vertex[0]) > 1e-3 ||
      Math.abs(previous[1] - vertex[1]) > 1e-6
    );
  });
}

/** Where the `index`-th refresh after the locked one may fall, from the region alone. */
function span(lock: RefreshLock, index: number): { lo: number; hi: number } {
  const instants = regionOf(lock).map(([instant, period]) => instant + index * period);
  return { lo: Math.min(...instants), hi: Math.max(...instants) };
}

/** The window of the `index`-th refresh after the locked one. */
export function projectWindow(lock: RefreshLock, index: number): RefreshWindow {
  if (index === 0) {
    return { index, lo: lock.lo, hi: lock.hi };
  }
  const { lo, hi } = span(lock, index);
  return { index, lo: lo - JITTER_SECONDS, hi: hi + JITTER_SECONDS };
}

/**
 * The first refresh window that ends at or after `time`; undefined when the projection has blurred so much
 * (too many periods ahead) that it overlaps the next.
 */
export function windowEndingAtOrAfter(lock: RefreshLock, time: number): RefreshWindow | undefined {
  let index = Math.max(0, Math.floor((time - lock.hi) / lock.periodMax));
  while (projectWindow(lock, index).hi < time) {
    index++;
  }
  while (index > 0 && projectWindow(lock, index - 1).hi >= time) {
    index--;
  }
  const window = projectWindow(lock, index);
  // Only while it ends before the next one may begin can a change be assigned to one refresh.
  return window.hi < projectWindow(lock, index + 1).lo ? window : undefined;
}

/** What two consecutive polls, dated `from` and `to`, say about the refreshes between them. */
export interface RefreshObservation {
  from: number;
  to: number;
  /**
   * How many refreshes came between them: at least `min`, at most `max` (`Infinity` when unknown). A change
   * proves one; no change proves none only while every refresh surely moves some disk; and once the rates
   * are known, the size of the change says how many.
   */
  refreshes: { min: number; max: number };
}

/** A window the interval between two polls may or may not contain, and what being outside it means. */
interface Straddled {
  window: RefreshWindow;
  /** Outside the interval, the refresh came at or before `from` (undefined: it may be on either side). */
  outside?: { lo: number; hi: number };
}

/**
 * Updates the lock with what two consecutive polls saw. Windows wholly inside the interval between them hold
 * a refresh each; the count decides about the one or two at its ends, when every count the observation allows
 * decides the same way. Anything else it allows leaves the lock as it is; a count no placement allows means
 * the refreshes are not where the lock says (drifted, skipped, restarted), and it starts again.
 */
export function observeRefreshes(
  lock: RefreshLock | undefined,
  observation: RefreshObservation,
  nominalPeriod: number,
): RefreshLock | undefined {
  const { to, refreshes } = observation;
  if (to < observation.from) {
    // The clock went backwards: nothing learned so far can be trusted.
    return undefined;
  }
  if (refreshes.min === 0 && to - observation.from <= TIMING_MARGIN_SECONDS) {
    // Too close together to prove anything once the timing margin is taken off.
    return lock;
  }
  // The earlier read may have run a margin before its date: a refresh seen new came after `from` less the
  // margin. The later one may have run a margin early: a refresh not seen yet came after `to` less it.
  const from = observation.from - TIMING_MARGIN_SECONDS;
  const seenBy = to - TIMING_MARGIN_SECONDS;
  const restart = (): RefreshLock | undefined =>
    refreshes.min >= 1 && to - from < nominalPeriod * (1 - PERIOD_SPREAD)
      ? freshLock(from, to, nominalPeriod)
      : undefined;
  if (lock === undefined) {
    if (refreshes.min >= 1) {
      return restart();
    }
    // No refresh in (from, to], and they come at most a period apart: the next is soon after it.
    return refreshes.max === 0 && seenBy - observation.from < nominalPeriod * (1 - PERIOD_SPREAD)
      ? freshLock(seenBy, observation.from + nominalPeriod * (1 + PERIOD_SPREAD), nominalPeriod)
      : undefined;
  }
  // A window that ends by the earlier poll's date holds a refresh that poll (or one before it) already saw.
  const windows = windowsMeeting(lock, observation.from, to);
  if (windows === undefined) {
    // The projection has blurred: which refresh the polls saw cannot be told.
    return refreshes.min >= 1 && to - from < lock.periodMin ? restart() : lock;
  }
  let surelyInside = 0;
  const straddled: Straddled[] = [];
  for (const window of windows) {
    // A window that starts within the margin before the earlier poll starts where that poll found no refresh
    // yet: its refresh came after that read.
    const afterEarlier = window.lo >= from;
    if (afterEarlier && window.hi <= seenBy) {
      surelyInside++;
    } else if (!afterEarlier && window.hi > seenBy) {
      straddled.push({ window });
    } else if (!afterEarlier) {
      straddled.push({ window, outside: { lo: window.lo, hi: Math.min(window.hi, observation.from) } });
    } else {
      straddled.push({ window, outside: { lo: Math.max(window.lo, seenBy), hi: window.hi } });
    }
  }
  const placements = [0, 1, 2, 3]
    .filter((mask) => mask < 2 ** straddled.length)
    .filter((mask) => {
      const inside = surelyInside + straddled.filter((_, i) => (mask >> i) & 1).length;
      return inside >= refreshes.min && inside <= refreshes.max;
    });
  if (placements.length === 0) {
    return restart();
  }
  let updated: RefreshLock | undefined = lock;
  let anchor = 0;
  straddled.forEach(({ window, outside }, i) => {
    const inside = placements.every((mask) => (mask >> i) & 1);
    const out = placements.every((mask) => !((mask >> i) & 1));
    const bounds = inside
      ? { lo: Math.max(window.lo, from), hi: Math.min(window.hi, to) }
      : out && outside !== undefined
        ? outside
        : undefined;
    if (bounds === undefined || updated === undefined) {
      return;
    }
    updated =
      bounds.lo < bounds.hi
        ? narrowed(updated, window.index - anchor, bounds.lo, bounds.hi, nominalPeriod)
        : undefined;
    anchor = window.index;
  });
  return updated ?? restart();
}

/**
 * The projected windows that meet (from, to], in order; undefined when two of them overlap, so that a
 * refresh could not be told from its neighbour.
 */
/** More windows between two polls than this: too far apart to say which refresh was which. */
const MAX_WINDOWS_MET = 64;

function windowsMeeting(lock: RefreshLock, from: number, to: number): RefreshWindow[] | undefined {
  // Windows are (lo, hi]: one that ends exactly at `from` is not in (from, to].
  const first = windowEndingAtOrAfter(lock, from + 1e-3);
  if (first === undefined) {
    return undefined;
  }
  const windows: RefreshWindow[] = [];
  for (let window = first; window.lo < to; window = projectWindow(lock, window.index + 1)) {
    const after = projectWindow(lock, window.index + 1);
    if (after.lo <= window.hi || windows.length >= MAX_WINDOWS_MET) {
      return undefined;
    }
    windows.push(window);
  }
  return windows;
}

/**
 * Re-anchors the lock on the `index`-th refresh, now known to lie in (lo, hi]: what the region allows for it
 * (give or take the jitter) becomes the new region, measured from that refresh.
 */
function narrowed(
  lock: RefreshLock,
  index: number,
  lo: number,
  hi: number,
  nominalPeriod: number,
): RefreshLock {
  const slack = index === 0 ? 0 : JITTER_SECONDS;
  const region = clip(clip(regionOf(lock), index, lo - slack, 1), index, hi + slack, -1);
  const anchored = tidy(region.map(([instant, period]): Vertex => [instant + index * period, period]));
  const next = anchored.length > MAX_VERTICES ? boxAround(anchored) : anchored;
  return withRegion(lo, hi, next) ?? freshLock(lo, hi, nominalPeriod);
}

/** Beyond this many vertices a region is replaced by its bounding box: looser, never wrong. */
const MAX_VERTICES = 16;

function boxAround(region: Vertex[]): Vertex[] {
  const instants = region.map(([instant]) => instant);
  const periods = region.map(([, period]) => period);
  const [lo, hi] = [Math.min(...instants), Math.max(...instants)];
  const [periodMin, periodMax] = [Math.min(...periods), Math.max(...periods)];
  return [
    [lo, periodMin],
    [hi, periodMin],
    [hi, periodMax],
    [lo, periodMax],
  ];
}
