import { describe, expect, it } from 'vitest';

import { seededRandom } from '../../../dev/compute-sim/faultPlan';
import { drawRefreshTiming, replicationAt } from '../../../dev/compute-sim/replication';
import type { RefreshTiming, RestorePointRecord } from '../../../dev/compute-sim/stateStore';
import type { ProgressRefreshOptions } from '../../../dev/compute-sim/types';
import type { PollState, PollingSettings } from '../../../src/domain/polling';
import {
  MAX_TIMER_SECONDS,
  SWEEP_SECONDS,
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
const DAY_MS = 86_400_000;

interface Replay {
  polls: number;
  /** Seconds after the copy request the poll that saw the end was made; undefined when never. */
  noticedAt: number | undefined;
  /** Seconds after the copy request the simulator first showed the end. */
  endsAt: number | undefined;
  /** What the poll that ended the watch saw. */
  finalState: string;
}

/**
 * Replays the schedule against the Compute simulator's own replication model (the one its HTTP API serves),
 * so refresh timing, drift, skips and stalls are exactly the simulator's.
 */
function replay(
  disksGB: number[],
  refresh: ProgressRefreshOptions,
  seed: number,
  options: {
    throughputMiBps?: number;
    stallAtPercent?: number;
    watchSeconds?: number;
    /**
     * Each timer fires up to this much before its fire time, as the real engine's do, and the answer is
     * dated up to this much after the read (when the orchestrator sees it).
     */
    timerSkewSeconds?: number;
    /** This copy's refresh timing, instead of one drawn from `refresh` and `seed`. */
    timing?: RefreshTiming;
  } = {},
): Replay {
  const replication = {
    throughputMiBps: options.throughputMiBps ?? 50,
    progressIntervalMs: 600_000,
    copyTimeLimitMs: 14 * DAY_MS,
  };
  const rp = {
    createdAt: start,
    provisionedAt: start + 5_000,
    disks: disksGB.map((sizeGB, index) => ({ name: `disk${index}`, sizeGB })),
    copy: {
      faults:
        options.stallAtPercent === undefined ? [] : [{ type: 'stall', atPercent: options.stallAtPercent }],
      refresh: options.timing ?? drawRefreshTiming(600_000, refresh, seededRandom(seed)),
    },
  } as unknown as RestorePointRecord;
  const endedAt = replicationAt(rp, start + 14 * DAY_MS - 1, replication).endedAt;
  const watchSeconds = options.watchSeconds ?? 13 * 86_400;
  let state: PollState = initialPollState();
  let now = 0;
  let polls = 0;
  const skew = seededRandom(seed + 1000);
  while (now < watchSeconds) {
    const delay = nextPollDelaySeconds({
      state,
      now: at(now),
      startedAt: at(0),
      deadline: at(watchSeconds),
      settings,
    });
    state = withDelay(state, delay);
    now += delay - skew() * (options.timerSkewSeconds ?? 0);
    polls++;
    const snapshot = replicationAt(rp, start + now * 1000, replication);
    now += skew() * (options.timerSkewSeconds ?? 0);
    if (snapshot.state !== 'inProgress') {
      return {
        polls,
        noticedAt: now,
        endsAt: endedAt === undefined ? undefined : (endedAt - start) / 1000,
        finalState: snapshot.state,
      };
    }
    const disks = snapshot.disks.map((disk) => disk.completionPercent);
    state = recordProgress(
      state,
      { at: at(now), percent: Math.min(99, Math.min(...disks)), disks },
      settings,
      at(0),
    );
  }
  return {
    polls,
    noticedAt: undefined,
    endsAt: endedAt === undefined ? undefined : (endedAt - start) / 1000,
    finalState: 'inProgress',
  };
}

const SIZES = [
  { name: '10 minutes', disksGB: [8, 30] },
  { name: '1 hour', disksGB: [32, 64, 176] },
  { name: '6 hours', disksGB: [256, 1056] },
  { name: '1 day', disksGB: [1024, 4224] },
];
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
/** Enough copies that one whose first refresh comes before the first look, or just after it, turns up. */
const MANY_SEEDS = Array.from({ length: 40 }, (_, index) => index + 1);

describe("phase-locked polling against the simulator's refreshes", () => {
  it.each(SIZES)(
    'notices the end of a $name copy within a sweep step plus a margin, whatever the refresh phase and period',
    ({ disksGB }) => {
      // Act
      const runs = MANY_SEEDS.map((seed) => replay(disksGB, { randomPhase: true, periodSpread: 0.05 }, seed));

      // Assess
      for (const run of runs) {
        expect(run.finalState).toBe('succeeded');
        expect(run.endsAt).toBeDefined();
        const lag = (run.noticedAt ?? Infinity) - (run.endsAt ?? 0);
        expect(lag).toBeGreaterThanOrEqual(0);
        expect(lag).toBeLessThanOrEqual(60);
      }
    },
  );

  it('sweeps for the end when the first refresh came before the first look', () => {
    // Prepare: the first refresh lands 50 s into replication, before the look at 60 s; the next one, 630 s
    // later, shows the 10-minute copy complete.
    const timing: RefreshTiming = {
      offsetMs: 50_000,
      periodMs: 630_000,
      jitterMs: 0,
      skipProbability: 0,
      seed: 1,
    };

    // Act
    const run = replay([8, 30], {}, 1, { timing });

    // Assess: the rate is unknown, so the next refresh may show the end; it is seen within the lag goal.
    expect(run.finalState).toBe('succeeded');
    expect(run.endsAt).toBe(5 + 50 + 630);
    const lag = (run.noticedAt ?? Infinity) - (run.endsAt ?? 0);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThanOrEqual(60);
  });

  it.each([
    {
      name: 'drift (period 15 % off the configured one)',
      refresh: { randomPhase: true, periodSpread: 0.15 },
    },
    { name: 'late refreshes (up to 2 minutes)', refresh: { randomPhase: true, jitterMs: 120_000 } },
    { name: 'skipped refreshes (3 in 10)', refresh: { randomPhase: true, skipProbability: 0.3 } },
  ])('never misses the end when refreshes show $name', ({ refresh }) => {
    // Act
    const runs = SEEDS.flatMap((seed) => SIZES.map(({ disksGB }) => replay(disksGB, refresh, seed)));

    // Assess: every end is noticed, and within an hour even when the lock is lost.
    for (const run of runs) {
      expect(run.finalState).toBe('succeeded');
      const lag = (run.noticedAt ?? Infinity) - (run.endsAt ?? 0);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThanOrEqual(3600);
    }
  });

  it('keeps its lock, cost and lag when timers fire up to a second early and answers are dated late', () => {
    // Act
    const exact = SEEDS.flatMap((seed) =>
      SIZES.map(({ disksGB }) => replay(disksGB, { randomPhase: true, periodSpread: 0.05 }, seed)),
    );
    const early = SEEDS.flatMap((seed) =>
      SIZES.map(({ disksGB }) =>
        replay(disksGB, { randomPhase: true, periodSpread: 0.05 }, seed, { timerSkewSeconds: 1 }),
      ),
    );

    // Assess: every end seen, within the lag goal, for about the same number of reads.
    for (const run of early) {
      expect(run.finalState).toBe('succeeded');
      const lag = (run.noticedAt ?? Infinity) - (run.endsAt ?? 0);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThanOrEqual(60);
    }
    const total = (runs: Replay[]): number => runs.reduce((sum, run) => sum + run.polls, 0);
    expect(total(early)).toBeLessThanOrEqual(total(exact) * 1.05);
  });

  it('costs a 1-day copy well under a quarter of the GETs of polling every 10 minutes', () => {
    // Act
    const runs = SEEDS.map((seed) => replay([1024, 4224], { randomPhase: true, periodSpread: 0.05 }, seed));

    // Assess
    const meanPolls = runs.reduce((sum, run) => sum + run.polls, 0) / runs.length;
    const tenMinutePolls = 24 * 6;
    expect(meanPolls).toBeLessThanOrEqual(0.35 * tenMinutePolls);
  });

  it('backs off on a stall and keeps watching until the deadline', () => {
    // Act
    const run = replay([128, 512], { randomPhase: true }, 1, {
      stallAtPercent: 40,
      watchSeconds: 3 * 86_400,
    });

    // Assess: a 3-day watch of a stalled copy, far fewer looks than polling every 10 minutes (432).
    expect(run).toMatchObject({ noticedAt: undefined, endsAt: undefined, finalState: 'inProgress' });
    expect(run.polls).toBeLessThanOrEqual(40);
  });
});

describe('polling state', () => {
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

  it('estimates completion from the slowest disk, not the overall percent', () => {
    // Prepare: a small disk at 80 % and a big one at 10 % after an hour.
    let state = recordProgress(initialPollState(), { at: at(0), percent: 0, disks: [0, 0] }, settings);
    state = recordProgress(state, { at: at(3600), percent: 18, disks: [80, 10] }, settings);

    // Act
    const eta = estimateCompletion(state);

    // Assess: the big disk needs 10 hours in all (a reading of 10 is 10.5 on average).
    expect(eta).toBe(at(3600 + (89.5 * 3600) / 10));
  });

  it('bounds how soon the copy can end from when Azure accepted it, so a slow start is not swept', () => {
    // Prepare: the first refresh, somewhere after the look at 60 s, showed 4 % and 1 %.
    const look = (startedAt?: string): number => {
      let state = recordProgress(
        initialPollState(),
        { at: at(60), percent: 0, disks: [0, 0] },
        settings,
        startedAt,
      );
      state = recordProgress(state, { at: at(260), percent: 2, disks: [4, 1] }, settings, startedAt);
      return nextPollDelaySeconds({ state, now: at(260), startedAt: at(0), deadline: farDeadline, settings });
    };

    // Act
    const knowingTheStart = look(at(0));
    const notKnowingIt = look();

    // Assess: replication began half a minute after Azure accepted the copy at the latest, so the big disk
    // gained under 2 % in the 30 s or more before the refresh (after the look at 60 s): it needs over 20
    // minutes more, the next refresh cannot show the end, and a look halves its window (598, 920]. Without the
    // start, that 1 % may have come in a moment, so the end may show at the next refresh, whose window is
    // swept from its start.
    expect({ knowingTheStart, notKnowingIt }).toEqual({
      knowingTheStart: (58 + 540 + 260 + 660) / 2 - 260,
      notKnowingIt: 58 + 540 - 5 + SWEEP_SECONDS - 260,
    });
  });

  it('falls back after a clock jump backwards: what was learned is dropped, polling goes on', () => {
    // Prepare
    let state = recordProgress(initialPollState(), { at: at(3600), percent: 0, disks: [0] }, settings);
    state = recordProgress(state, { at: at(3700), percent: 5, disks: [5] }, settings);
    expect(state.refresh).toBeDefined();

    // Act
    const jumped = recordProgress(state, { at: at(600), percent: 6, disks: [6] }, settings);

    // Assess
    expect(jumped.refresh).toBeUndefined();
    expect(estimateCompletion(jumped)).toBeUndefined();
    expect(
      nextPollDelaySeconds({
        state: jumped,
        now: at(600),
        startedAt: at(0),
        deadline: farDeadline,
        settings,
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("flags a stall only after the copy's own pace has passed several times", () => {
    // Prepare: 1 % per 2.4 hours; four polls an hour apart without change are no stall.
    let state = recordProgress(initialPollState(), { at: at(0), percent: 0, disks: [0] }, settings);
    state = recordProgress(state, { at: at(10 * 8640), percent: 10, disks: [10] }, settings);
    for (const hour of [1, 2, 3, 4]) {
      state = recordProgress(state, { at: at(10 * 8640 + hour * 3600), percent: 10, disks: [10] }, settings);
    }
    const early = isStalled(state, settings);
    for (const hour of [8, 12, 16, 20, 24, 28]) {
      state = recordProgress(state, { at: at(10 * 8640 + hour * 3600), percent: 10, disks: [10] }, settings);
    }

    // Assess
    expect({ early, late: isStalled(state, settings) }).toEqual({ early: false, late: true });
  });

  it('honours Retry-After, stops at the deadline and stays under the six-day timer limit', () => {
    // Prepare
    const state = recordProgress(initialPollState(), { at: at(600), percent: 1, disks: [1] }, settings);

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
      deadline: at(700),
      settings,
    });
    const huge = nextPollDelaySeconds({
      state: withDelay(state, 1e9),
      now: at(600),
      startedAt: at(0),
      deadline: at(30 * 86_400),
      settings: { ...settings, maxIntervalSeconds: 30 * 86_400, stallAfterPolls: 0 },
    });

    // Assess
    expect(throttled).toBe(7200);
    expect(nearDeadline).toBe(100);
    expect(huge).toBe(MAX_TIMER_SECONDS);
  });

  it('redoes a throttled read as soon as Retry-After allows, not at the next planned look', () => {
    // Prepare: locked onto a refresh in (1000, 1020], the period 600 s give or take one, the end far off.
    let state = recordProgress(
      initialPollState(),
      { at: at(400), percent: 10, disks: [10] },
      settings,
      at(0),
    );
    state = recordProgress(state, { at: at(1000), percent: 20, disks: [20] }, settings, at(0));
    state = recordProgress(state, { at: at(1020), percent: 30, disks: [30] }, settings, at(0));
    const options = { state, now: at(1625), startedAt: at(0), deadline: farDeadline, settings };

    // Act
    const planned = nextPollDelaySeconds(options);
    const afterThrottle = nextPollDelaySeconds({ ...options, retryAfterSeconds: 20 });
    const afterTinyRetryAfter = nextPollDelaySeconds({ ...options, retryAfterSeconds: 1 });

    // Assess: the read that was throttled saw nothing; the plan after it would skip the refresh it aimed at.
    // A Retry-After of a second is stretched to a floor of 10 s, so throttling cannot start a storm of reads.
    expect({ planned: planned > 20, afterThrottle, afterTinyRetryAfter }).toEqual({
      planned: true,
      afterThrottle: 20,
      afterTinyRetryAfter: 10,
    });
  });
});
