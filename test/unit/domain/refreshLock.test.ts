import { describe, expect, it } from 'vitest';

import { seededRandom } from '../../../dev/compute-sim/faultPlan';

import type { RefreshLock } from '../../../src/domain/refreshLock';
import { TIMING_MARGIN_SECONDS, observeRefreshes, projectWindow } from '../../../src/domain/refreshLock';

const NOMINAL = 600;
/** A lock on a refresh known to lie in (1000, 1030], the period anywhere from 590 to 610 s. */
const lock: RefreshLock = { lo: 1000, hi: 1030, periodMin: 590, periodMax: 610 };
const NONE = { min: 0, max: 0 };
/** Detection lag goal: a window this narrow, looked at once just after it, keeps the lag under it. */
const LAG_GOAL_SECONDS = 60;
const ONE_OR_MORE = { min: 1, max: Infinity };
/** A lock on a refresh in (lo, hi], the period within [periodMin, periodMax], with that box as its region. */
const boxLock = (lo: number, hi: number, periodMin: number, periodMax: number): RefreshLock => ({
  lo,
  hi,
  periodMin,
  periodMax,
  region: [
    [lo, periodMin],
    [hi, periodMin],
    [hi, periodMax],
    [lo, periodMax],
  ],
});

describe('the refresh lock under timers that fire early and answers dated late', () => {
  it('keeps the lock when a read dated just after the expected refresh saw no change yet', () => {
    // Act: the read was aimed past the window but really ran before the refresh; it is dated a second late.
    const after = observeRefreshes(lock, { from: 500, to: 1031, refreshes: NONE }, NOMINAL);

    // Assess: the refresh is still expected, in the last moments of the window.
    expect(after).toEqual(boxLock(1031 - TIMING_MARGIN_SECONDS, 1030, 590, 610));
  });

  it('still drops the lock when the expected refresh clearly did not come', () => {
    // Act
    const after = observeRefreshes(
      lock,
      { from: 500, to: 1030 + TIMING_MARGIN_SECONDS + 1, refreshes: NONE },
      NOMINAL,
    );

    // Assess
    expect(after).toBeUndefined();
  });

  it('keeps a change that came just before the previous read was dated inside the lock', () => {
    // Act: the previous read is dated at 1001 but ran a second earlier, before the refresh at 1000.5.
    const after = observeRefreshes(
      { ...lock, lo: 990 },
      { from: 1001, to: 1040, refreshes: ONE_OR_MORE },
      NOMINAL,
    );

    // Assess: narrowed, not restarted with the nominal period.
    expect(after).toEqual(boxLock(1001 - TIMING_MARGIN_SECONDS, 1030, 590, 610));
  });

  it('learns nothing from two unchanged reads closer together than the margin', () => {
    expect(observeRefreshes(lock, { from: 1020, to: 1021, refreshes: NONE }, NOMINAL)).toBe(lock);
  });
});

describe('the refresh lock from counted refreshes', () => {
  it('places both refreshes inside when two came between reads in the middle of two windows', () => {
    // Act: reads at the middle of the next window (1605, 1625] and of the one after, (2195, 2235].
    const after = observeRefreshes(lock, { from: 1615, to: 2215, refreshes: { min: 2, max: 2 } }, NOMINAL);

    // Assess: re-anchored on the later refresh, in the second half of its window, and at least a period (590 s)
    // after the earlier one, which came after 1613 (give or take the 5 s a refresh may stray).
    expect({ lo: after?.lo, hi: after?.hi }).toEqual({ lo: 1613 - 5 + 590, hi: 2215 });
  });

  it('restarts when the count fits no placement of the windows', () => {
    // Act: three refreshes in 100 s, which no period near 10 minutes allows.
    const after = observeRefreshes(lock, { from: 1600, to: 1700, refreshes: { min: 3, max: 3 } }, NOMINAL);

    // Assess: a fresh lock on the latest interval, the period back to the configured spread.
    expect(after).toMatchObject({ lo: 1598, hi: 1700, periodMin: 540, periodMax: 660 });
  });

  it('always holds the true refreshes, and narrows onto them, as reads halve their windows', () => {
    // Prepare: copies with their own refresh instants, read at the middle of each next window.
    const random = seededRandom(7);
    for (let copy = 0; copy < 50; copy++) {
      const period = 570 + random() * 60;
      const first = 1000 + random() * period;
      const refreshAt = (index: number): number => first + index * period;
      const countBetween = (from: number, to: number): number =>
        Math.max(0, Math.floor((to - first) / period) - Math.floor((from - first) / period));
      let current: RefreshLock | undefined = observeRefreshes(
        undefined,
        { from: first - 200, to: first + 100, refreshes: { min: 1, max: 1 } },
        NOMINAL,
      );
      let time = first + 100;

      // Act
      for (let read = 0; read < 12 && current !== undefined; read++) {
        const next = projectWindow(current, 1);
        const at = Math.max(time + 1, (next.lo + next.hi) / 2);
        const count = countBetween(time, at);
        current = observeRefreshes(
          current,
          { from: time, to: at, refreshes: { min: count, max: count } },
          NOMINAL,
        );
        time = at;

        // Assess: every projected window holds its refresh, counted from the one the lock is anchored on.
        const anchor = current === undefined ? 0 : (current.lo + current.hi) / 2;
        const index = Math.round((anchor - first) / period);
        for (let ahead = 0; ahead < 20 && current !== undefined; ahead++) {
          const window = projectWindow(current, ahead);
          const truth = refreshAt(index + ahead);
          expect(truth).toBeGreaterThan(window.lo);
          expect(truth).toBeLessThanOrEqual(window.hi);
        }
      }

      // Assess: still locked, and the next refresh pinned closely enough for one look to catch it.
      expect(current).toBeDefined();
      const next = current === undefined ? undefined : projectWindow(current, 1);
      expect((next?.hi ?? Infinity) - (next?.lo ?? 0)).toBeLessThan(LAG_GOAL_SECONDS);
    }
  });
});
