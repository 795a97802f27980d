import { afterEach, describe, expect, it } from 'vitest';

import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { START, restorePointId, seedSource } from '../support/computeSim';
import {
  DAY_MS,
  HOUR_MS,
  eventsOfType,
  newSourceRestorePoint,
  policy,
  protection,
  restorePointNames,
  runTo,
} from './support';

describe('retention over 30 simulated days, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it(
    'keeps exactly the newest 7 copies per region, with one Pruned event per deleted copy',
    { timeout: 600_000 },
    async () => {
      // Prepare: 4-hourly restore points to two regions, keepLast=7, the sweep every 6 hours as well.
      stack = await startAppStack({
        settings: {
          RPCOPY_POLICY: policy({ rpoHours: 12, retention: { keepLast: 7 } }),
          RPCOPY_PROTECTION_SCHEDULE: '0 30 */6 * * *',
        },
      });
      await seedSource(stack.h, { diskSizesGB: [8] });
      const count = (30 * DAY_MS) / (4 * HOUR_MS);
      const names = Array.from({ length: count }, (_, index) => `rp${String(index).padStart(3, '0')}`);

      // Act
      for (const [index, name] of names.entries()) {
        await runTo(stack, START + index * 4 * HOUR_MS);
        await newSourceRestorePoint(stack, name);
      }
      await runTo(stack, START + 30 * DAY_MS + HOUR_MS);

      // Assess
      const kept = names.slice(-7);
      const pruned = names.slice(0, -7);
      for (const region of ['westus2', 'centralus']) {
        expect(await restorePointNames(stack, `src-${region}`)).toEqual(kept);
      }
      const events = eventsOfType(stack, 'RestorePointCopy.Pruned');
      const byRegion = (region: string): string[] =>
        events
          .filter((event) => (event.data as { targetRegion: string }).targetRegion === region)
          .map((event) => String(event.subject))
          .sort();
      for (const region of ['westus2', 'centralus']) {
        expect(byRegion(region)).toEqual(pruned.map((name) => restorePointId(`src-${region}`, name)));
      }
      expect(new Set(events.map((event) => event.id)).size).toBe(events.length);
      expect(events.every((event) => (event.data as { dryRun: boolean }).dryRun === false)).toBe(true);
      const deletes = stack.h.sim.requestLog.filter(
        (entry) => entry.method === 'DELETE' && entry.status < 300,
      );
      expect(deletes).toHaveLength(2 * pruned.length);
      const page = await protection(stack);
      expect(
        page.pairs.map((pair) => ({
          region: pair.targetRegion,
          state: pair.state,
          newest: pair.newestUsableCopy?.sourceRestorePointId,
          retention: pair.retention,
        })),
      ).toEqual(
        ['centralus', 'westus2'].map((region) => ({
          region,
          state: 'Protected',
          newest: restorePointId('src', names.at(-1) ?? ''),
          retention: { keepLast: 7, origin: 'rule' },
        })),
      );
    },
  );
});
