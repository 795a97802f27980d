import { afterEach, describe, expect, it } from 'vitest';
import type { SimHarness } from '../support/computeSim';
import {
  SUBSCRIPTION,
  createSourceRp,
  expectStatus,
  restorePointId,
  collectionId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

const MIN = 60_000;
const DAY = 86_400_000;

describe('fault effects, observed', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('holds a delayed request while a later request on another route is answered first', async () => {
    h = await startSimHarness();
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
    h.sim.setFaults([
      {
        kind: 'http',
        method: 'GET',
        path: '**/restorePointCollections/src',
        effect: { type: 'latency', ms: 400 },
      },
    ]);
    const finished: string[] = [];
    const slow = h.call('GET', collectionId('src')).then((r) => finished.push(`src ${r.status}`));
    // The slow request must have reached the simulator before the fast one is sent.
    while (h.sim.requestLog.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const fast = h.call('GET', collectionId('dst')).then((r) => finished.push(`dst ${r.status}`));
    await Promise.all([slow, fast]);
    expect(finished).toEqual(['dst 200', 'src 200']);
  });

  it('ends a stalled copy at the 14-day limit, which frees the pair for the next copy', async () => {
    h = await startSimHarness({
      faults: [{ kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: 40 } }],
    });
    await seedPair(h, { location: 'eastus', osDiskGB: 64, targetRegion: 'westus' });
    await createSourceRp(h, 'rp1');
    await createSourceRp(h, 'rp2');
    const putAt = h.clock.now();
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    await h.clock.advanceTo(putAt + 14 * DAY - 1);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))).toEqual({
      id: restorePointId('dst', 'rp1'),
      sourceRestorePointId: restorePointId('src', 'rp1'),
      provisioningState: 'Succeeded',
      state: 'inProgress',
      disks: [{ name: 'vm1-os', sizeGB: 64, completionPercent: 40, state: 'inProgress' }],
    });
    await h.clock.advanceTo(putAt + 14 * DAY);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))).toEqual({
      id: restorePointId('dst', 'rp1'),
      sourceRestorePointId: restorePointId('src', 'rp1'),
      provisioningState: 'Succeeded',
      state: 'terminated',
      disks: [{ name: 'vm1-os', sizeGB: 64, completionPercent: 40, state: 'terminated' }],
    });
    const next = await h.call('PUT', restorePointId('dst', 'rp2'), {
      properties: { sourceRestorePoint: { id: restorePointId('src', 'rp2') } },
    });
    expect(next.status).toBe(201);
  });
});

describe('request log', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('records method, path, query, status, clock time, subscription, error code and fault of every request', async () => {
    h = await startSimHarness();
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
    h.sim.clearRequestLog();
    h.sim.setFaults([
      {
        kind: 'http',
        method: 'GET',
        path: '**/dst',
        effect: { type: 'throttle', retryAfterSeconds: 5 },
        times: 1,
      },
    ]);
    const t0 = h.clock.now();
    await h.call('GET', `${collectionId('src')}?$expand=restorePoints`);
    await h.clock.advanceBy(7 * MIN);
    await h.call('GET', collectionId('dst'));
    await h.call('GET', collectionId('nope'));
    await h.call('DELETE', collectionId('nope'));
    expect(h.sim.requestLog).toEqual([
      {
        method: 'GET',
        path: collectionId('src'),
        query: '$expand=restorePoints&api-version=2026-04-01',
        status: 200,
        time: t0,
        subscriptionId: SUBSCRIPTION,
      },
      {
        method: 'GET',
        path: collectionId('dst'),
        query: 'api-version=2026-04-01',
        status: 429,
        time: t0 + 7 * MIN,
        subscriptionId: SUBSCRIPTION,
        errorCode: 'TooManyRequests',
        fault: 'throttle',
      },
      {
        method: 'GET',
        path: collectionId('nope'),
        query: 'api-version=2026-04-01',
        status: 404,
        time: t0 + 7 * MIN,
        subscriptionId: SUBSCRIPTION,
        errorCode: 'ResourceNotFound',
      },
      {
        method: 'DELETE',
        path: collectionId('nope'),
        query: 'api-version=2026-04-01',
        status: 204,
        time: t0 + 7 * MIN,
        subscriptionId: SUBSCRIPTION,
      },
    ]);
  });
});
