/**
 * When to look at a replicating copy next.
 *
 * @remarks Azure refreshes a copy's progress about every 10 minutes, at instants of its own, and copies take
 * minutes to days. A look between two refreshes learns nothing new, and a look long after the refresh that
 * shows completion only adds lag. So the schedule locks onto the copy's refresh instants
 * ({@link observeRefreshes}, told how many refreshes came between two looks by the size of the change) and
 * looks just after the refreshes that matter: a few while the rate is unknown, then closing in on the
 * earliest possible end ({@link estimateCopyEnd}, from each disk's own rate). Near the end it follows the lock
 * refresh by refresh, skipping those whose windows are narrow and cannot show the end, halving those that
 * have blurred, and looking just after the first that may show the end. Where the refresh instants are not
 * known closely enough for that, it looks every {@link SWEEP_SECONDS} across the refresh window instead,
 * which both catches the end and narrows the lock. A throttled read is redone as soon as Azure allows.
 * Irregular refreshes (a stall, a clock jump, a restart) drop the lock or back off; they never stop the
 * polling. Pure: all times are passed in.
 */

import type { DiskTrack } from './completionEstimate';
import { estimateCopyEnd, estimateDisk, trackDisks } from './completionEstimate';
import type { RefreshLock, RefreshWindow } from './refreshLock';
import { TIMING_MARGIN_SECONDS, observeRefreshes, projectWindow, windowEndingAtOrAfter } from './refreshLock';

export interface ProgressSample {
  /** ISO-8601. */
  at: string;
  /** Overall percent. */
  percent: number;
  /** Per-disk percents, in Azure's disk order. */
  disks?: number[];
}

export interface PollState {
  /** The most recent samples; bounded. */
  samples: ProgressSample[];
  /** Consecutive polls without any change in percent. */
  unchangedPolls: number;
  /** The delay chosen last time, in seconds. */
  lastDelaySeconds: number;
  /** Per disk: where its rate is measured from, and its latest reading. */
  disks?: DiskTrack[];
  /** The copy's refresh instants, once learned. */
  refresh?: RefreshLock;
  /** Epoch seconds of the poll that last saw a change (or the first poll). */
  changedAt?: number;
  /** Epoch seconds before which the copy cannot have progressed, when known. */
  origin?: number;
}

export interface PollingSettings {
  /**
   * How often Azure refreshes progress, about (`RPCOPY_PROGRESS_REFRESH_SECONDS`).
   * @default 600
   */
  refreshIntervalSeconds: number;
  /**
   * Upper bound between two polls (`RPCOPY_MAX_POLL_INTERVAL_SECONDS`).
   * @default 21600 (6 hours)
   */
  maxIntervalSeconds: number;
  /**
   * Delay before the first look (`RPCOPY_FIRST_POLL_SECONDS`). A quarter of a refresh period: the first
   * refresh comes anywhere in the first period, so an earlier look rarely sees it, and the looks after this
   * one, a third of a period apart, then bracket it as narrowly.
   * @default 150
   */
  firstPollSeconds: number;
  /**
   * Refresh periods without change (at the copy's own pace, at least) before the copy counts as stalled
   * (`RPCOPY_STALL_AFTER_POLLS`).
   * @default 3
   */
  stallAfterPolls: number;
}

/** A durable timer must stay under six days; keep a margin. */
export const MAX_TIMER_SECONDS = 6 * 24 * 3600 - 3600;
const MAX_SAMPLES = 4;

/** How late the end may be noticed: the detection lag the schedule is built to stay under. */
const LAG_GOAL_SECONDS = 60;
/**
 * Near the end, with the refresh instants unknown, looks this often: the worst detection lag, once a timer
 * that fires early and an answer dated late (the timing margin) are allowed for.
 */
export const SWEEP_SECONDS = LAG_GOAL_SECONDS - 2 * TIMING_MARGIN_SECONDS;
/** A throttled read is redone no sooner than this, whatever its `Retry-After`. */
const THROTTLED_READ_FLOOR_SECONDS = 10;
/** Looks this long after a refresh window closes, so the refresh has surely landed. */
const AFTER_REFRESH_SECONDS = 5;
/**
 * A refresh window this narrow is looked at once, just after it, which notices a refresh anywhere in it
 * within the lag goal; a wider one is swept.
 */
const LOCKED_WITHIN_SECONDS = LAG_GOAL_SECONDS - AFTER_REFRESH_SECONDS - 1;
/** Within this many refresh periods of the earliest possible end, the schedule follows the lock. */
const APPROACH_PERIODS = 4;

export function initialPollState(): PollState {
  return { samples: [], unchangedPolls: 0, lastDelaySeconds: 0 };
}

const epochSeconds = (iso: string): number => Date.parse(iso) / 1000;

function sameReading(a: ProgressSample, b: ProgressSample): boolean {
  const disksA = a.disks ?? [];
  const disksB = b.disks ?? [];
  return (
    a.percent === b.percent &&
    disksA.length === disksB.length &&
    disksA.every((percent, index) => percent === disksB[index])
  );
}

/**
 * The earliest the refresh a poll at `time` reflects can have come, from the lock: no earlier than the last
 * window that closed by then (-Infinity when none has).
 */
function lastRefreshBy(lock: RefreshLock, time: number): number {
  const window = windowEndingAtOrAfter(lock, time);
  if (window === undefined) {
    return -Infinity;
  }
  if (window.hi <= time) {
    return window.lo;
  }
  return window.index > 0 ? projectWindow(lock, window.index - 1).lo : -Infinity;
}

/** When the refresh that a poll at `time` reflects most likely happened. */
function refreshTimeOf(lock: RefreshLock | undefined, time: number, changed: boolean): number {
  if (lock === undefined) {
    return time;
  }
  const window = windowEndingAtOrAfter(lock, time);
  if (window === undefined) {
    return time;
  }
  if (window.lo < time) {
    // The poll fell inside a window: a change says the refresh was in it, before the poll.
    return changed ? (window.lo + time) / 2 : time;
  }
  const previous = window.index > 0 ? projectWindow(lock, window.index - 1) : undefined;
  return previous !== undefined && previous.hi <= time ? (previous.lo + previous.hi) / 2 : time;
}

/**
 * How long before the orchestrator saw Azure accept a copy its replication may already have begun: the PUT
 * went out a little earlier (the activity's own time, a retry).
 */
const ACCEPTED_MARGIN_SECONDS = 60;

/**
 * Adds what the latest poll saw. `startedAt` (ISO-8601): when the orchestrator saw Azure accept the copy; no
 * disk can have progressed much before it, which bounds how soon the copy can end from the first readings.
 */
export function recordProgress(
  state: PollState,
  sample: ProgressSample,
  settings: Pick<PollingSettings, 'refreshIntervalSeconds'>,
  startedAt?: string,
): PollState {
  const previous = state.samples.at(-1);
  const at = epochSeconds(sample.at);
  const knownOrigin =
    state.origin ?? (startedAt === undefined ? undefined : epochSeconds(startedAt) - ACCEPTED_MARGIN_SECONDS);
  const changed = previous !== undefined && !sameReading(previous, sample);
  let refresh = state.refresh;
  let tracks = state.disks ?? [];
  if (previous !== undefined) {
    const from = epochSeconds(previous.at);
    if (at < from) {
      // The clock jumped back: start learning afresh.
      refresh = undefined;
      tracks = [];
    } else {
      const estimate = estimateCopyEnd(tracks, knownOrigin);
      const periods = {
        min: refresh?.periodMin ?? settings.refreshIntervalSeconds * 0.9,
        max: refresh?.periodMax ?? settings.refreshIntervalSeconds * 1.1,
      };
      refresh = observeRefreshes(
        refresh,
        {
          from,
          to: at,
          refreshes: refreshesBetween(previous, sample, tracks, knownOrigin, {
            changed,
            everyRefreshShows: state.unchangedPolls === 0 && estimate.everyRefreshShows(periods.min),
            periods,
            from,
            seconds: at - from,
          }),
        },
        settings.refreshIntervalSeconds,
      );
    }
  }
  if (previous === undefined && knownOrigin !== undefined && sample.percent > 0) {
    // Progress at the first look: a refresh came between the start and now, which is a lock to begin with.
    refresh = observeRefreshes(
      undefined,
      { from: knownOrigin, to: at, refreshes: { min: 1, max: Infinity } },
      settings.refreshIntervalSeconds,
    );
  }
  const refreshAt = refreshTimeOf(refresh, at, changed);
  // The refresh a reading reflects came after the previous poll, and at most about a period before this one.
  const latestPossible = at - (refresh?.periodMax ?? settings.refreshIntervalSeconds * 1.1);
  const since = Math.min(
    refreshAt,
    Math.max(
      previous === undefined ? latestPossible : Math.max(epochSeconds(previous.at), latestPossible),
      refresh === undefined ? -Infinity : lastRefreshBy(refresh, at),
    ),
  );
  const disks = trackDisks(tracks, { at: refreshAt, since }, sample.disks ?? []);
  return {
    ...state,
    samples: [...state.samples, sample].slice(-MAX_SAMPLES),
    unchangedPolls: previous !== undefined && !changed ? state.unchangedPolls + 1 : 0,
    disks,
    ...(refresh === undefined ? { refresh: undefined } : { refresh }),
    changedAt: changed || previous === undefined || state.changedAt === undefined ? at : state.changedAt,
    ...(knownOrigin === undefined ? {} : { origin: knownOrigin }),
  };
}

/**
 * How many refreshes came between two readings. A change proves one; once a disk's rate is known, the size of
 * its change says how many more: `n` refreshes move it by `n` periods' worth, give or take a percent of
 * rounding at either reading. Disks that finished in between only bound it from below, so they are left out.
 */
function refreshesBetween(
  previous: ProgressSample,
  sample: ProgressSample,
  tracks: readonly DiskTrack[],
  origin: number | undefined,
  context: {
    changed: boolean;
    everyRefreshShows: boolean;
    periods: { min: number; max: number };
    from: number;
    seconds: number;
  },
): { min: number; max: number } {
  const { changed, everyRefreshShows, periods, from, seconds } = context;
  if (!changed) {
    return { min: 0, max: everyRefreshShows ? 0 : Infinity };
  }
  // In a span shorter than a period, at most one refresh; in one longer than a period, at least one.
  let min = Math.max(1, Math.ceil(seconds / periods.max) - 1);
  let max = Math.floor(seconds / periods.min) + 1;
  const before = previous.disks ?? [];
  (sample.disks ?? []).forEach((percent, index) => {
    const was = before[index];
    const track = tracks[index];
    if (was === undefined || track === undefined || percent >= 100 || percent < was) {
      return;
    }
    // Sound bounds only: the earlier reading's refresh came at or before its poll and no sooner than the
    // origin after replication began, and the fastest rate already allows for the refreshes' dating.
    const slowestRate = origin !== undefined && from > origin ? was / (from - origin) : undefined;
    const { fastestRate } = estimateDisk(track, origin);
    if (slowestRate === undefined || fastestRate === undefined) {
      return;
    }
    const moved = percent - was;
    const mostPerRefresh = fastestRate * periods.max;
    const leastPerRefresh = slowestRate * periods.min;
    min = Math.max(min, mostPerRefresh > 0 ? Math.floor((moved - 1) / mostPerRefresh) + 1 : min);
    max = Math.min(max, leastPerRefresh > 0 ? Math.ceil((moved + 1) / leastPerRefresh) - 1 : max);
  });
  return min <= max ? { min, max } : { min: 1, max: Infinity };
}

/**
 * Stalled: nothing moved for `stallAfterPolls` refresh periods, or for that many times the time the fastest
 * unfinished disk needs per percent, whichever is longer (a 10-day disk moves a percent every 2.4 hours).
 */
export function isStalled(state: PollState, settings: PollingSettings): boolean {
  const latest = state.samples.at(-1);
  if (latest === undefined || latest.percent <= 0 || state.unchangedPolls < settings.stallAfterPolls) {
    return false;
  }
  const rates = (state.disks ?? [])
    .filter((track) => track.latest.percent < 100)
    .map((track) => {
      const elapsed = track.latest.at - track.from.at;
      const gained = track.latest.percent - track.from.percent;
      return elapsed > 0 && gained > 0 ? gained / elapsed : 0;
    });
  const fastest = Math.max(0, ...rates);
  const perPercent = fastest > 0 ? 1 / fastest : 0;
  const quiet = epochSeconds(latest.at) - (state.changedAt ?? epochSeconds(latest.at));
  return quiet >= settings.stallAfterPolls * Math.max(settings.refreshIntervalSeconds, perPercent);
}

/** Estimated completion time (ISO): when the last disk ends, from each disk's own rate. */
export function estimateCompletion(state: PollState): string | undefined {
  const endsAt = estimateCopyEnd(state.disks ?? [], state.origin).endsAt;
  return endsAt === undefined ? undefined : new Date(endsAt * 1000).toISOString();
}

export interface NextPollOptions {
  state: PollState;
  /** ISO-8601. */
  now: string;
  /** When the copy was accepted by Azure (ISO-8601). */
  startedAt: string;
  /** Give up at this time (ISO-8601). */
  deadline: string;
  settings: PollingSettings;
  /** A `Retry-After` from the last response, in seconds. */
  retryAfterSeconds?: number;
}

/** When to look next (epoch seconds), before the deadline, timer and `Retry-After` limits. */
function nextLookAt(options: NextPollOptions): number {
  const { state, settings } = options;
  const now = epochSeconds(options.now);
  const period = settings.refreshIntervalSeconds;
  const ceiling = Math.min(settings.maxIntervalSeconds, MAX_TIMER_SECONDS);
  if (state.samples.length === 0) {
    return now + Math.min(settings.firstPollSeconds, ceiling);
  }
  if (isStalled(state, settings)) {
    return now + Math.min(ceiling, Math.max(state.lastDelaySeconds * 2, period));
  }
  const estimate = estimateCopyEnd(state.disks ?? [], state.origin);
  const lock = state.refresh;
  const shows = estimate.everyRefreshShows(lock?.periodMin ?? period);

  if (estimate.earliestEnd === undefined && lock !== undefined && state.samples.some((s) => s.percent > 0)) {
    // Progress seen, its rate not yet: as far as anything says, the next refresh may show the end.
    const look = lockedLook(lock, now, now, false, period);
    if (look !== undefined) {
      return look;
    }
  }
  if (estimate.earliestEnd === undefined) {
    // Rate unknown: a few looks per period at first (to catch a short copy's first refresh and lock onto
    // the refresh instants), then a fraction of the time already spent.
    const elapsed = now - epochSeconds(options.startedAt);
    const target =
      now + (elapsed < 2 * period ? period / 3 : Math.min(ceiling, Math.max(period, elapsed / 3)));
    return alignedAfter(lock, target);
  }
  const untilEnd = estimate.earliestEnd - now;
  if (untilEnd > APPROACH_PERIODS * period) {
    // Far from the end: three quarters of the way to the approach, so that the estimate is refined as it
    // nears. Safe, because the earliest possible end is a lower bound.
    return alignedAfter(
      lock,
      now + Math.min(ceiling, Math.max(period, (untilEnd - APPROACH_PERIODS * period) * 0.75 + period)),
    );
  }
  const locked = lock && lockedLook(lock, now, estimate.earliestEnd, shows, period);
  if (locked !== undefined) {
    return Math.min(locked, now + ceiling);
  }
  if (untilEnd <= period * 1.5) {
    // Not locked and the end may come at the next refresh: sweep from the last refresh before the earliest
    // end on (the ones before it cannot show the end), until a change shows where the refreshes are.
    return now + Math.max(SWEEP_SECONDS, untilEnd - period * 1.1);
  }
  // Not locked, the end further off: half a period on, so that the change one of the two looks sees pins
  // a refresh to half a period.
  return now + period / 2;
}

/**
 * The next look while the lock holds (undefined once it has blurred into its neighbours). Walks the
 * refreshes ahead. Those that cannot show the end are skipped while their windows stay under
 * {@link HOP_WITHIN_PERIODS} of a period: a look there would teach little. The look goes just after the
 * first refresh that may show the end, when its window is narrow. A window that has blurred further is
 * halved by a look at its middle (when every refresh shows, so that no change says as much as a change);
 * each halving also narrows the period, so the next blur comes further on. The refreshes before a wide
 * window that may show the end are halved one after another, from far enough back that it is narrow when
 * it comes; failing that, it is swept, so that the end is seen within a sweep step.
 */
function lockedLook(
  lock: RefreshLock,
  now: number,
  earliestEnd: number,
  everyRefreshShows: boolean,
  period: number,
): number | undefined {
  const first = windowEndingAtOrAfter(lock, now + 1);
  if (first === undefined) {
    return undefined;
  }
  const walked: RefreshWindow[] = [];
  /** A look that halves `target`, or first one just after the window the last look fell in. */
  const halve = (target: RefreshWindow): number =>
    target.index === first.index || first.lo >= now - TIMING_MARGIN_SECONDS
      ? Math.max(now + 1, (Math.max(now, target.lo) + target.hi) / 2)
      : first.hi + AFTER_REFRESH_SECONDS;
  for (let window = first, step = 0; step < MAX_WINDOWS_WALKED; step++) {
    const previous = walked.at(-1);
    if (previous !== undefined && window.lo <= previous.hi) {
      // Blurred into the one before: the lock says nothing this far out.
      return previous.hi + AFTER_REFRESH_SECONDS;
    }
    const width = window.hi - window.lo;
    if (earliestEnd <= window.hi) {
      if (width <= LOCKED_WITHIN_SECONDS) {
        return window.hi + AFTER_REFRESH_SECONDS;
      }
      const halvings = Math.ceil(Math.log2(width / LOCKED_WITHIN_SECONDS));
      const from = walked[Math.max(0, walked.length - halvings)];
      if (!everyRefreshShows || from === undefined) {
        return Math.min(Math.max(now, window.lo) + SWEEP_SECONDS, window.hi + AFTER_REFRESH_SECONDS);
      }
      return halve(from);
    }
    if (width > period * HOP_WITHIN_PERIODS) {
      // Without every refresh showing, a look cannot halve it: the lock is as good as lost this far out.
      return everyRefreshShows ? halve(window) : undefined;
    }
    walked.push(window);
    window = projectWindow(lock, window.index + 1);
  }
  return walked.at(-1)?.hi ?? now;
}

/**
 * A refresh window this wide is halved before the lock is followed past it: wider, and the windows after it
 * would soon overlap, so that a change could no longer be told from its neighbour's.
 */
const HOP_WITHIN_PERIODS = 0.4;

/** How far ahead the lock is followed before the schedule just looks at the last refresh walked. */
const MAX_WINDOWS_WALKED = 256;

/** Just after the refresh at or after `target`, when the lock says where that is; else `target`. */
function alignedAfter(lock: RefreshLock | undefined, target: number): number {
  const window = lock && windowEndingAtOrAfter(lock, target);
  return window === undefined ? target : window.hi + AFTER_REFRESH_SECONDS;
}

/** Seconds to wait before the next poll; at least 1, never past the deadline, never above a timer's limit. */
export function nextPollDelaySeconds(options: NextPollOptions): number {
  // A throttled read saw nothing: it is redone as soon as Azure allows, or a window it aimed at may pass
  // unseen and the end with it; but never sooner than a floor, so a tiny Retry-After cannot start a storm.
  let delay =
    options.retryAfterSeconds === undefined
      ? nextLookAt(options) - epochSeconds(options.now)
      : Math.max(options.retryAfterSeconds, THROTTLED_READ_FLOOR_SECONDS);
  const untilDeadline = (Date.parse(options.deadline) - Date.parse(options.now)) / 1000;
  delay = Math.min(delay, untilDeadline, MAX_TIMER_SECONDS);
  return Math.max(1, Math.ceil(delay));
}

/** Remembers the chosen delay, which the stall back-off doubles. */
export function withDelay(state: PollState, delaySeconds: number): PollState {
  return { ...state, lastDelaySeconds: delaySeconds };
}
