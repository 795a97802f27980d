import { describe, expect, it } from 'vitest';

import type { RefreshLock } from '../../../src/domain/refreshLock';
import { TIMING_MARGIN_SECONDS, observeRefreshes } from '../../../src/domain/refreshLock';

const NOMINAL = 600;
/** A lock on a refresh known to lie in (1000, 1030], the period anywhere from 590 to 610 s. */
const lock: RefreshLock = { lo: 1000, hi: 1030, periodMin: 590, periodMax: 610 };

describe('the refresh lock under timers that fire early and answers dated late', () => {
  it('keeps the lock when a read dated just after the expected refresh saw no change yet', () => {
    // Act: the read was aimed past the window but really ran before the refresh; it is dated a second late.
    const after = observeRefreshes(
      lock,
      { from: 500, to: 1031, changed: false, everyRefreshShows: true },
      NOMINAL,
    );

    // Assess: the refresh is still expected, in the last moments of the window.
    expect(after).toEqual({ ...lock, lo: 1031 - TIMING_MARGIN_SECONDS });
  });

  it('still drops the lock when the expected refresh clearly did not come', () => {
    // Act
    const after = observeRefreshes(
      lock,
      { from: 500, to: 1030 + TIMING_MARGIN_SECONDS + 1, changed: false, everyRefreshShows: true },
      NOMINAL,
    );

    // Assess
    expect(after).toBeUndefined();
  });

  it('keeps a change that came just before the previous read was dated inside the lock', () => {
    // Act: the previous read is dated at 1001 but ran a second earlier, before the refresh at 1000.5.
    const after = observeRefreshes(
      { ...lock, lo: 990 },
      { from: 1001, to: 1040, changed: true, everyRefreshShows: true },
      NOMINAL,
    );

    // Assess: narrowed, not restarted with the nominal period.
    expect(after).toEqual({ lo: 1001 - TIMING_MARGIN_SECONDS, hi: 1030, periodMin: 590, periodMax: 610 });
  });

  it('learns nothing from two unchanged reads closer together than the margin', () => {
    expect(
      observeRefreshes(lock, { from: 1020, to: 1021, changed: false, everyRefreshShows: true }, NOMINAL),
    ).toBe(lock);
  });
});
