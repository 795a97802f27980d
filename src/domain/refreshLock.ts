/**
 * Where a copy's progress refreshes fall, learned from what the polls saw.
 *
 * @remarks Azure recomputes a copy's `completionPercent` about every 10 minutes, at instants of its own that
 * differ between copies. Two polls less than a period apart that saw different percents prove a refresh
 * between them; two that saw the same percents prove there was none, but only while every refresh surely
 * moves some disk by a whole percent. Intersecting these intervals locks onto the refresh instants, and two
 * locked refreshes some periods apart bound the period. Evidence that contradicts the lock (a skipped or late
 * refresh, a clock jump) drops it, and the schedule falls back to looking without it. Pure; times are epoch
 * seconds.
 */

export interface RefreshLock {
  /** A refresh happened after `lo` and at or before `hi`. */
  lo: number;
  hi: number;
  /** Bounds of the period between refreshes. */
  periodMin: number;
  periodMax: number;
}

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
  return {
    lo,
    hi,
    periodMin: nominalPeriod * (1 - PERIOD_SPREAD),
    periodMax: nominalPeriod * (1 + PERIOD_SPREAD),
  };
}

/** The window of the `index`-th refresh after the locked one. */
export function projectWindow(lock: RefreshLock, index: number): RefreshWindow {
  if (index === 0) {
    return { index, lo: lock.lo, hi: lock.hi };
  }
  return {
    index,
    lo: lock.lo + index * lock.periodMin - JITTER_SECONDS,
    hi: lock.hi + index * lock.periodMax + JITTER_SECONDS,
  };
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

/**
 * Updates the lock with what two consecutive polls at `from` and `to` saw. `changed`: whether any percent
 * differed; `everyRefreshShows`: whether a refresh between them would surely have changed one.
 */
export function observeRefreshes(
  lock: RefreshLock | undefined,
  observation: { from: number; to: number; changed: boolean; everyRefreshShows: boolean },
  nominalPeriod: number,
): RefreshLock | undefined {
  const { to, changed, everyRefreshShows } = observation;
  if (to < observation.from) {
    // The clock went backwards: nothing learned so far can be trusted.
    return undefined;
  }
  if (!changed && to - observation.from <= TIMING_MARGIN_SECONDS) {
    // Too close together to prove anything once the timing margin is taken off.
    return lock;
  }
  // A change came after `from` less the margin; no change proves nothing in the last margin before `to`.
  const from = changed ? observation.from - TIMING_MARGIN_SECONDS : observation.from;
  const until = changed ? to : to - TIMING_MARGIN_SECONDS;
  if (lock === undefined) {
    const periodMax = nominalPeriod * (1 + PERIOD_SPREAD);
    if (until - from >= nominalPeriod * (1 - PERIOD_SPREAD)) {
      return undefined;
    }
    if (changed) {
      return freshLock(from, until, nominalPeriod);
    }
    // No refresh in (from, until], and they come at most a period apart: the next is soon after `until`.
    return everyRefreshShows ? freshLock(until, from + periodMax, nominalPeriod) : undefined;
  }
  // Only an interval that meets exactly one projected window says which refresh it saw.
  // Windows are (lo, hi]: one that ends exactly at `from` is not in (from, until].
  const first = windowEndingAtOrAfter(lock, from + 1e-3);
  if (first === undefined) {
    return changed && until - from < lock.periodMin ? freshLock(from, until, nominalPeriod) : lock;
  }
  const next = projectWindow(lock, first.index + 1);
  if (next.lo < until || first.lo >= until) {
    return lock;
  }
  const window = first;
  if (changed) {
    const lo = Math.max(window.lo, from);
    const hi = Math.min(window.hi, until);
    if (lo >= hi) {
      // Not where the lock said: drifted, skipped or restarted. Start again from this refresh.
      return until - from < lock.periodMin ? freshLock(from, until, nominalPeriod) : undefined;
    }
    return narrowed(lock, window.index, lo, hi, nominalPeriod);
  }
  if (!everyRefreshShows) {
    return lock;
  }
  // No refresh in (from, until]: trim whichever end of the window that interval covers.
  if (from <= window.lo && until >= window.hi) {
    // The refresh the lock expected did not come (skipped, or late): start over.
    return undefined;
  }
  if (from <= window.lo) {
    return narrowed(lock, window.index, until, window.hi, nominalPeriod);
  }
  if (until >= window.hi) {
    return narrowed(lock, window.index, window.lo, from, nominalPeriod);
  }
  return lock;
}

/**
 * Re-anchors the lock on the `index`-th refresh, now known to lie in (lo, hi]; the two anchors, `index`
 * periods apart, bound the period.
 */
function narrowed(
  lock: RefreshLock,
  index: number,
  lo: number,
  hi: number,
  nominalPeriod: number,
): RefreshLock {
  if (index === 0) {
    return { ...lock, lo, hi };
  }
  const periodMin = Math.max(lock.periodMin, (lo - lock.hi - JITTER_SECONDS) / index);
  const periodMax = Math.min(lock.periodMax, (hi - lock.lo + JITTER_SECONDS) / index);
  return periodMin <= periodMax ? { lo, hi, periodMin, periodMax } : freshLock(lo, hi, nominalPeriod);
}
