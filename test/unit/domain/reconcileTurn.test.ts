import { describe, expect, it } from 'vitest';

import { isReconcileDue, reconcileTimeOfDay } from '../../../src/domain/reconcileTurn';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const OVERLAP = 5 * 60_000;
const T0 = Date.UTC(2026, 0, 1, 0, 17);
const ids = Array.from(
  { length: 1_000 },
  (_, i) =>
    `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/vm-${i}-rpc`,
);

/** How many sweeps of one day, `step` apart, reconcile each collection. */
function turnsPerDay(step: number): number[] {
  const turns = ids.map(() => 0);
  for (let at = T0 + step; at <= T0 + DAY; at += step) {
    ids.forEach((id, index) => {
      if (isReconcileDue(id, new Date(at - step), new Date(at))) {
        turns[index] = (turns[index] ?? 0) + 1;
      }
    });
  }
  return turns;
}

describe('isReconcileDue', () => {
  it.each([
    { schedule: 'hourly', step: HOUR },
    { schedule: 'every 5 minutes', step: 5 * 60_000 },
    { schedule: 'every 3 hours', step: 3 * HOUR },
  ])('reconciles every collection once a day, twice at most, when sweeps run $schedule', ({ step }) => {
    const turns = turnsPerDay(step);
    expect(turns.every((count) => count === 1 || count === 2)).toBe(true);
    // Only the few minutes of overlap between windows are looked at twice.
    expect(turns.filter((count) => count === 2).length).toBeLessThanOrEqual(
      Math.min(ids.length, (ids.length * OVERLAP) / step) + 20,
    );
  });

  it('still reconciles a collection whose time fell just before the previous sweep by a clock a little ahead', () => {
    const id = ids[0] ?? '';
    const turn = Date.UTC(2026, 0, 1) + reconcileTimeOfDay(id);
    // The host says the previous sweep ran 2 minutes after the turn; ARM's clock says it is an hour later.
    expect(isReconcileDue(id, new Date(turn + 2 * 60_000), new Date(turn + HOUR))).toBe(true);
    expect(isReconcileDue(id, new Date(turn + 10 * 60_000), new Date(turn + HOUR))).toBe(false);
  });

  it('spreads collections over the day', () => {
    const perHour = Array.from({ length: 24 }, () => 0);
    for (const id of ids) {
      const hour = Math.floor(reconcileTimeOfDay(id) / HOUR);
      perHour[hour] = (perHour[hour] ?? 0) + 1;
    }
    // 1,000 collections over 24 hours: about 42 an hour, none near empty or double.
    expect(perHour.every((count) => count >= 20 && count <= 70)).toBe(true);
  });

  it('reconciles everything on a first sweep, after a day or more without one, and ignores id casing', () => {
    const id = ids[0] ?? '';
    const now = new Date(T0);
    expect(isReconcileDue(id, undefined, now)).toBe(true);
    expect(isReconcileDue(id, new Date(T0 - DAY), now)).toBe(true);
    expect(isReconcileDue(id, new Date(Number.NaN), now)).toBe(true);
    expect(reconcileTimeOfDay(id.toUpperCase())).toBe(reconcileTimeOfDay(id));
  });
});
