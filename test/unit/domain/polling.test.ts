import { describe, expect, it } from 'vitest';

import type { PollState, PollingSettings } from '../../../src/domain/polling';
import {
  MAX_TIMER_SECONDS,
  estimateCompletion,
  initialPollState,
  isStalled,
  nextPollDelaySeconds,
  recordProgress,
  withDelay,
} from '../../../src/domain/polling';

const settings: PollingSettings = {
  refreshIntervalSeconds: 600,
  maxIntervalSeconds: 6 * 3600,
  firstPollSeconds: 60,
  stallAfterPolls: 3,
};
const start = Date.UTC(2026, 0, 1);
const at = (seconds: number): string => new Date(start + seconds * 1000).toISOString();
const farDeadline = at(13 * 86_400);

/** Replays a copy whose true progress is `progress(t)`, refreshed by Azure every 10 minutes. */
function simulate(progress: (seconds: number) => number, deadlineSeconds = 13 * 86_400) {
  let state: PollState = initialPollState();
  let now = 0;
  const delays: number[] = [];
  while (now < deadlineSeconds) {
    const delay = nextPollDelaySeconds({
      state,
      now: at(now),
      startedAt: at(0),
      deadline: at(deadlineSeconds),
      settings,
    });
    delays.push(delay);
    state = withDelay(state, delay);
    now += delay;
    const reported = Math.min(100, Math.floor(progress(Math.floor(now / 600) * 600)));
    state = recordProgress(state, { at: at(now), percent: reported });
    if (reported >= 100) {
      return { polls: delays.length, finishedAt: now, delays };
    }
  }
  return { polls: delays.length, finishedAt: undefined, delays };
}

describe('adaptive polling', () => {
  it('looks once early to confirm the copy started', () => {
    expect(
      nextPollDelaySeconds({
        state: initialPollState(),
        now: at(0),
        startedAt: at(0),
        deadline: farDeadline,
        settings,
      }),
    ).toBe(60);
  });

  it('estimates completion from the rate seen so far', () => {
    // Prepare
    let state = recordProgress(initialPollState(), { at: at(600), percent: 10 });
    state = recordProgress(state, { at: at(1200), percent: 20 });

    // Act
    const eta = estimateCompletion(state);

    // Assess
    expect(eta).toBe(at(6000));
  });

  it.each([
    { name: 'a 2-hour copy', hours: 2, maxPolls: 12 },
    { name: 'a 2-day copy', hours: 48, maxPolls: 20 },
    { name: 'a 10-day copy (capped at 6 h between polls)', hours: 240, maxPolls: 60 },
  ])('finishes $name in few polls and notices completion within an hour', ({ hours, maxPolls }) => {
    // Act
    const run = simulate((seconds) => (seconds / (hours * 3600)) * 100);

    // Assess
    expect(run.finishedAt).toBeDefined();
    expect(run.polls).toBeLessThanOrEqual(maxPolls);
    expect((run.finishedAt ?? 0) - hours * 3600).toBeLessThanOrEqual(3600);
  });

  it('looks on every refresh once the estimated end is near, since the estimate is only as fine as a whole percent', () => {
    // Prepare: 90 % after 3 h, so the estimated end is 20 minutes away.
    let state = recordProgress(initialPollState(), { at: at(0), percent: 0 });
    state = recordProgress(state, { at: at(3 * 3600), percent: 90 });

    // Act
    const delay = nextPollDelaySeconds({
      state,
      now: at(3 * 3600),
      startedAt: at(0),
      deadline: farDeadline,
      settings,
    });

    // Assess
    expect({ eta: estimateCompletion(state), delay }).toEqual({ eta: at(3 * 3600 + 1200), delay: 600 });
  });

  it('never polls more often than the progress refresh after the first look, and never waits more than the maximum', () => {
    // Act
    const run = simulate((seconds) => (seconds / (30 * 3600)) * 100);

    // Assess
    expect(run.delays.slice(1).every((delay) => delay >= 600 && delay <= settings.maxIntervalSeconds)).toBe(
      true,
    );
  });

  it('catches a copy that jumps from 0 to 100 percent within a third of its age', () => {
    // Act
    const run = simulate((seconds) => (seconds >= 5 * 3600 ? 100 : 0));

    // Assess
    expect(run.finishedAt).toBeLessThanOrEqual(5 * 3600 * (4 / 3) + 600);
  });

  it('backs off on a stall, doubling up to the maximum, and flags it', () => {
    // Prepare
    let state = initialPollState();
    for (const [seconds, percent] of [
      [600, 30],
      [1200, 30],
      [1800, 30],
      [2400, 30],
    ] as const) {
      state = recordProgress(state, { at: at(seconds), percent });
    }
    state = withDelay(state, 1200);

    // Act
    const delay = nextPollDelaySeconds({
      state,
      now: at(2400),
      startedAt: at(0),
      deadline: farDeadline,
      settings,
    });

    // Assess
    expect(isStalled(state, settings)).toBe(true);
    expect(delay).toBe(2400);
    expect(
      nextPollDelaySeconds({
        state: withDelay(state, 5 * 3600),
        now: at(2400),
        startedAt: at(0),
        deadline: farDeadline,
        settings,
      }),
    ).toBe(6 * 3600);
  });

  it('honours Retry-After, stops at the deadline and stays under the six-day timer limit', () => {
    // Prepare
    const state = recordProgress(initialPollState(), { at: at(600), percent: 1 });

    // Act
    const throttled = nextPollDelaySeconds({
      state,
      now: at(600),
      startedAt: at(0),
      deadline: farDeadline,
      settings,
      retryAfterSeconds: 7200,
    });
    const nearDeadline = nextPollDelaySeconds({
      state,
      now: at(600),
      startedAt: at(0),
      deadline: at(900),
      settings,
    });
    const huge = nextPollDelaySeconds({
      state: withDelay(
        recordProgress(recordProgress(state, { at: at(1200), percent: 1 }), { at: at(1800), percent: 1 }),
        1e9,
      ),
      now: at(1800),
      startedAt: at(0),
      deadline: at(30 * 86_400),
      settings: { ...settings, maxIntervalSeconds: 30 * 86_400, stallAfterPolls: 1 },
    });

    // Assess
    expect(throttled).toBe(7200);
    expect(nearDeadline).toBe(300);
    expect(huge).toBe(MAX_TIMER_SECONDS);
  });
});
