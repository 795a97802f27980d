/**
 * When to look at a replicating copy next.
 *
 * @remarks Azure refreshes `completionPercent` about every 10 minutes and copies take minutes to days, so a
 * fixed interval is either wasteful or slow. The schedule estimates the completion time from the progress seen
 * so far and polls around it (halving the distance while it is far), grows the interval while nothing has
 * moved yet, and backs off on a stall. Pure: all times are passed in.
 */

export interface ProgressSample {
  /** ISO-8601. */
  at: string;
  percent: number;
}

export interface PollState {
  /** The first sample that showed progress, then the most recent ones; bounded. */
  samples: ProgressSample[];
  /** Consecutive polls without any change in percent. */
  unchangedPolls: number;
  /** The delay chosen last time, in seconds. */
  lastDelaySeconds: number;
}

export interface PollingSettings {
  /**
   * How often Azure refreshes progress; the normal floor between polls (`RPCOPY_PROGRESS_REFRESH_SECONDS`).
   * @default 600
   */
  refreshIntervalSeconds: number;
  /**
   * Upper bound between two polls (`RPCOPY_MAX_POLL_INTERVAL_SECONDS`).
   * @default 21600 (6 hours)
   */
  maxIntervalSeconds: number;
  /**
   * Delay before the first look, to confirm that Azure accepted the copy (`RPCOPY_FIRST_POLL_SECONDS`).
   * @default 60
   */
  firstPollSeconds: number;
  /**
   * Polls without change before the copy counts as stalled (`RPCOPY_STALL_AFTER_POLLS`).
   * @default 3
   */
  stallAfterPolls: number;
}

/** A durable timer must stay under six days; keep a margin. */
export const MAX_TIMER_SECONDS = 6 * 24 * 3600 - 3600;
const MAX_SAMPLES = 6;

export function initialPollState(): PollState {
  return { samples: [], unchangedPolls: 0, lastDelaySeconds: 0 };
}

function seconds(fromIso: string, toIso: string): number {
  return (Date.parse(toIso) - Date.parse(fromIso)) / 1000;
}

/** Adds what the latest poll saw. */
export function recordProgress(state: PollState, sample: ProgressSample): PollState {
  const previous = state.samples.at(-1);
  const unchanged = previous !== undefined && previous.percent === sample.percent;
  const firstWithProgress = state.samples.find((entry) => entry.percent > 0);
  const recent = [...state.samples.filter((entry) => entry !== firstWithProgress), sample].slice(
    -(MAX_SAMPLES - 1),
  );
  const samples = firstWithProgress !== undefined ? [firstWithProgress, ...recent] : recent;
  return { ...state, samples, unchangedPolls: unchanged ? state.unchangedPolls + 1 : 0 };
}

export function isStalled(state: PollState, settings: PollingSettings): boolean {
  const latest = state.samples.at(-1);
  return latest !== undefined && latest.percent > 0 && state.unchangedPolls >= settings.stallAfterPolls;
}

/**
 * Estimated completion time (ISO) from the rate between the first sample that showed progress and the latest
 * one; undefined while there is no measurable rate.
 */
export function estimateCompletion(state: PollState): string | undefined {
  const latest = state.samples.at(-1);
  const first = state.samples.find((entry) => entry.percent > 0);
  if (latest === undefined || first === undefined || latest.percent >= 100) {
    return undefined;
  }
  // Progress before the first non-zero sample started somewhere in the previous interval; measure from the
  // sample just before it when there is one, so a 0 → 30 jump counts its whole interval.
  const firstIndex = state.samples.indexOf(first);
  const origin = firstIndex > 0 ? state.samples[firstIndex - 1] : undefined;
  const from = origin ?? first;
  const elapsed = seconds(from.at, latest.at);
  const gained = latest.percent - from.percent;
  if (elapsed <= 0 || gained <= 0) {
    return undefined;
  }
  const remaining = ((100 - latest.percent) * elapsed) / gained;
  return new Date(Date.parse(latest.at) + remaining * 1000).toISOString();
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

/** Seconds to wait before the next poll; at least 1, never past the deadline, never above a timer's limit. */
export function nextPollDelaySeconds(options: NextPollOptions): number {
  const { state, now, settings } = options;
  const floor = settings.refreshIntervalSeconds;
  const ceiling = Math.min(settings.maxIntervalSeconds, MAX_TIMER_SECONDS);
  const clamp = (value: number): number => Math.min(ceiling, Math.max(floor, value));

  let delay: number;
  const eta = estimateCompletion(state);
  if (state.samples.length === 0) {
    delay = Math.min(settings.firstPollSeconds, ceiling);
  } else if (isStalled(state, settings)) {
    delay = clamp(Math.max(state.lastDelaySeconds * 2, floor));
  } else if (eta !== undefined) {
    const remaining = seconds(now, eta);
    // Far away: halve the distance so the estimate is refined. Near: look on every refresh, because the
    // estimate is only as fine as a whole percent (which, on a day-long copy, is longer than a refresh).
    delay = clamp(remaining > 4 * floor ? remaining / 2 : floor);
  } else {
    // No measurable progress yet; low-churn disks may jump from 0 to 100, so look again after a fraction of
    // the time already spent.
    delay = clamp(seconds(options.startedAt, now) / 3);
  }

  if (options.retryAfterSeconds !== undefined) {
    delay = Math.max(delay, options.retryAfterSeconds);
  }
  const untilDeadline = seconds(now, options.deadline);
  delay = Math.min(delay, untilDeadline, MAX_TIMER_SECONDS);
  return Math.max(1, Math.ceil(delay));
}

/** Remembers the chosen delay, which the stall back-off doubles. */
export function withDelay(state: PollState, delaySeconds: number): PollState {
  return { ...state, lastDelaySeconds: delaySeconds };
}
