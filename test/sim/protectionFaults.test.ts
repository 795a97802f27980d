import { afterEach, describe, expect, it } from 'vitest';

import type { SimHarness } from '../support/computeSim';
import {
  START,
  createSourceRp,
  expectStatus,
  restorePointId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const copyBody = (source: string) => ({ properties: { sourceRestorePoint: { id: source } } });

describe('simulator faults for protection scenarios', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('refuses copy requests only inside a clock-time window, with a 409 ARM error', async () => {
    h = await startSimHarness({
      faults: [
        {
          kind: 'http',
          method: 'PUT',
          path: '**/restorePointCollections/dst/restorePoints/*',
          effect: { type: 'refuse', status: 409 },
          activeFromMs: START + DAY,
          activeUntilMs: START + 3 * DAY,
        },
      ],
    });
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
    await createSourceRp(h, 'rp1');
    await h.clock.advanceTo(START + DAY);
    const refused = await h.call('PUT', restorePointId('dst', 'rp1'), copyBody(restorePointId('src', 'rp1')));
    await h.clock.advanceTo(START + 3 * DAY);
    const accepted = await h.call(
      'PUT',
      restorePointId('dst', 'rp1'),
      copyBody(restorePointId('src', 'rp1')),
    );

    expect([refused.status, refused.body]).toEqual([
      409,
      {
        error: {
          code: 'OperationNotAllowed',
          message: 'Injected refusal: the platform does not accept this operation now.',
        },
      },
    ]);
    expect(accepted.status).toBe(201);
    // ARM's Date header follows the simulator's clock, as the app measures "now" by it.
    expect([refused.headers.get('date'), accepted.headers.get('date')]).toEqual([
      new Date(START + DAY).toUTCString(),
      new Date(START + 3 * DAY).toUTCString(),
    ]);
  });

  it('refuses a fault plan with a refusal that is not 400/409 or a window that ends before it begins', async () => {
    h = await startSimHarness();
    expect(() =>
      h.sim.setFaults([{ kind: 'http', path: '**', effect: { type: 'refuse', status: 418 as 409 } }]),
    ).toThrow("A refusal's status must be 400 or 409, got 418");
    expect(() =>
      h.sim.setFaults([
        { kind: 'http', path: '**', effect: { type: 'drop' }, activeFromMs: START + 1, activeUntilMs: START },
      ]),
    ).toThrow('A fault window must end after it begins (activeUntilMs > activeFromMs)');
  });

  it('resumes a stalled copy after resumeAfterMs, where it stopped, and lets it finish', async () => {
    h = await startSimHarness({
      faults: [
        { kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: 40, resumeAfterMs: 3 * DAY } },
      ],
    });
    // 64 GB at 50 MiB/s: 1311 seconds of replication.
    await seedPair(h, { location: 'eastus', osDiskGB: 64, targetRegion: 'westus' });
    await createSourceRp(h, 'rp1');
    const putAt = h.clock.now();
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp1'), copyBody(restorePointId('src', 'rp1'))),
      [201],
    );
    const percentAt = async (time: number) => {
      await h.clock.advanceTo(time);
      const copy = h.sim.getCopy(restorePointId('dst', 'rp1'));
      return [copy?.state, copy?.disks[0]?.completionPercent];
    };

    expect(await percentAt(putAt + 2 * DAY)).toEqual(['inProgress', 40]);
    expect(await percentAt(putAt + 3 * DAY)).toEqual(['inProgress', 40]);
    expect(await percentAt(putAt + 3 * DAY + 15 * 60_000)).toEqual(['inProgress', 45]);
    expect(await percentAt(putAt + 3 * DAY + HOUR)).toEqual(['succeeded', 100]);
  });
});
