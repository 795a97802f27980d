import { afterEach, describe, expect, it } from 'vitest';

import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { START, collectionId, seedSource } from '../support/computeSim';
import {
  DAY_MS,
  HOUR_MS,
  eventsOfType,
  newSourceRestorePoint,
  policy,
  protection,
  runTo,
  statesByRegion,
} from './support';

describe('RPO breach and restore, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('a 2-day window of refused copies: one RpoBreached per pair while it lasts, one RpoRestored after', async () => {
    // Prepare: a 12-hour RPO (at risk after 9), restore points every 4 hours, the sweep every hour.
    stack = await startAppStack({
      settings: {
        RPCOPY_POLICY: policy({ rpoHours: 12 }),
        RPCOPY_PROTECTION_SCHEDULE: '0 15 * * * *',
      },
    });
    await seedSource(stack.h, { diskSizesGB: [8, 8] });
    const windowFrom = START + 22 * HOUR_MS;
    const windowUntil = windowFrom + 2 * DAY_MS;
    stack.h.sim.setFaults([
      {
        kind: 'http',
        method: 'PUT',
        path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/src-*/restorePoints/*',
        effect: { type: 'refuse', status: 409 },
        activeFromMs: windowFrom,
        activeUntilMs: windowUntil,
      },
    ]);
    const states: Record<string, Record<string, string>> = {};
    const checkpoints = new Map([
      [21, 'beforeWindow'],
      [30, 'atRisk'],
      [41, 'breached'],
      [75, 'afterWindow'],
    ]);

    // Act
    for (let hour = 0; hour <= 76; hour++) {
      await runTo(stack, START + hour * HOUR_MS);
      if (hour % 4 === 0) {
        await newSourceRestorePoint(stack, `rp${hour}`);
      }
      const checkpoint = checkpoints.get(hour);
      if (checkpoint !== undefined) {
        states[checkpoint] = await statesByRegion(stack);
      }
      if (hour === 41) {
        states.breachedEntry = Object.fromEntries(
          (await protection(stack)).pairs.map((pair) => [
            pair.targetRegion,
            JSON.stringify({
              breach: pair.breach,
              reason: { code: pair.reason?.code, category: pair.reason?.category },
              newest: pair.newestUsableCopy?.sourceRestorePointId.split('/').at(-1),
              achieved: pair.rpo.achievedHours,
            }),
          ]),
        );
      }
    }
    await runTo(stack, START + 78 * HOUR_MS);

    // Assess
    const everywhere = (state: string): Record<string, string> => ({ westus2: state, centralus: state });
    expect(states.beforeWindow).toEqual(everywhere('Protected'));
    expect(states.atRisk).toEqual(everywhere('AtRisk'));
    expect(states.breached).toEqual(everywhere('Breached'));
    expect(states.afterWindow).toEqual(everywhere('Protected'));
    const breachedAt = new Date(START + 20 * HOUR_MS).toISOString();
    const since = new Date(START + 32 * HOUR_MS).toISOString();
    for (const region of ['westus2', 'centralus']) {
      expect(JSON.parse(states.breachedEntry?.[region] ?? '{}')).toEqual({
        breach: { id: breachedAt, since },
        reason: { code: 'CopyFailed', category: 'invalid' },
        newest: 'rp20',
        achieved: 21,
      });
    }
    const breached = eventsOfType(stack, 'RestorePointCopy.RpoBreached');
    const restored = eventsOfType(stack, 'RestorePointCopy.RpoRestored');
    const summary = (events: Record<string, unknown>[]) =>
      events
        .map((event) => {
          const data = event.data as Record<string, unknown>;
          return { region: data.targetRegion, breachId: data.breachId, subject: event.subject };
        })
        .sort((a, b) => String(a.region).localeCompare(String(b.region)));
    const expected = ['centralus', 'westus2'].map((region) => ({
      region,
      breachId: breachedAt,
      subject: collectionId(`src-${region}`),
    }));
    expect(summary(breached)).toEqual(expected);
    expect(summary(restored)).toEqual(expected);
    expect(breached.map((event) => event.time)).toEqual([since, since]);
    expect(new Set([...breached, ...restored].map((event) => event.id)).size).toBe(4);
  });
});
