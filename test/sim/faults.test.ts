import { afterEach, describe, expect, it } from 'vitest';
import type { FaultRule } from '../../dev/compute-sim';
import type { SimHarness } from '../support/computeSim';
import {
  createSourceRp,
  expectStatus,
  retryView,
  restorePointId,
  collectionId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

const MIN = 60_000;
const rpcPath = collectionId('src');

describe('HTTP faults', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  async function start(faults: FaultRule[]): Promise<void> {
    h = await startSimHarness();
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
    h.sim.setFaults(faults);
    h.sim.clearRequestLog();
  }

  it('answers a 5xx with an ARM body for the matching route only, `times` times', async () => {
    await start([
      {
        kind: 'http',
        method: 'GET',
        path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/src',
        effect: { type: 'status', status: 503, retryAfterSeconds: 2 },
        times: 2,
      },
    ]);
    const first = await h.call('GET', rpcPath);
    expect(retryView(first)).toEqual({
      status: 503,
      retryAfter: '2',
      body: {
        error: {
          code: 'ServiceUnavailable',
          message: 'Injected fault: the service answered 503. Retry the request.',
        },
      },
    });
    expect((await h.call('GET', collectionId('dst'))).status).toBe(200);
    expect(
      (
        await h.call('PUT', rpcPath, {
          location: 'eastus',
          properties: {
            source: { id: `${rpcPath.replace('restorePointCollections/src', 'virtualMachines/vm1')}` },
          },
        })
      ).status,
    ).toBe(200);
    expect((await h.call('GET', rpcPath)).status).toBe(503);
    expect((await h.call('GET', rpcPath)).status).toBe(200);
    expect(h.sim.requestLog.map((e) => [e.method, e.status, e.fault])).toEqual([
      ['GET', 503, 'status'],
      ['GET', 200, undefined],
      ['PUT', 200, undefined],
      ['GET', 503, 'status'],
      ['GET', 200, undefined],
    ]);
  });

  it('throttles with 429 and Retry-After after the Nth matching request', async () => {
    await start([
      {
        kind: 'http',
        path: '**/restorePointCollections/*',
        effect: { type: 'throttle', retryAfterSeconds: 17 },
        afterNth: 1,
        times: 1,
      },
    ]);
    expect((await h.call('GET', rpcPath)).status).toBe(200);
    const throttled = await h.call('GET', rpcPath);
    expect(retryView(throttled)).toEqual({
      status: 429,
      retryAfter: '17',
      body: { error: { code: 'TooManyRequests', message: 'Injected throttling. Retry after 17 seconds.' } },
    });
    expect((await h.call('GET', rpcPath)).status).toBe(200);
  });

  it('drops the connection without an answer', async () => {
    await start([
      { kind: 'http', path: /restorePointCollections\/src$/, effect: { type: 'drop' }, times: 1 },
    ]);
    await expect(h.call('GET', rpcPath)).rejects.toThrow('socket hang up');
    expect((await h.call('GET', rpcPath)).status).toBe(200);
    expect(h.sim.requestLog.map((e) => [e.status, e.fault])).toEqual([
      [0, 'drop'],
      [200, undefined],
    ]);
  });

  it('adds latency (real time) and still answers', async () => {
    await start([{ kind: 'http', path: '**', method: 'GET', effect: { type: 'latency', ms: 20 } }]);
    const response = await h.call('GET', rpcPath);
    expect(response.status).toBe(200);
    expect(h.sim.requestLog.map((e) => [e.status, e.fault])).toEqual([[200, 'latency']]);
  });

  it('fires probabilistic faults from a seeded PRNG: the same seed gives the same pattern', async () => {
    const rule: FaultRule = {
      kind: 'http',
      path: '**',
      method: 'GET',
      effect: { type: 'status', status: 500 },
      probability: 0.5,
    };
    const pattern = async (): Promise<number[]> => {
      await start([rule]);
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) {
        statuses.push((await h.call('GET', rpcPath)).status);
      }
      await h.close();
      return statuses;
    };
    const first = await pattern();
    const second = await pattern();
    expect(second).toEqual(first);
    expect(first.filter((s) => s === 500).length).toBeGreaterThan(2);
    expect(first.filter((s) => s === 200).length).toBeGreaterThan(2);
    h = await startSimHarness();
  });

  it('replaces the plan at runtime with setFaults', async () => {
    await start([]);
    expect((await h.call('GET', rpcPath)).status).toBe(200);
    h.sim.setFaults([
      { kind: 'http', path: '**', effect: { type: 'status', status: 500, code: 'InternalExecutionError' } },
    ]);
    expect((await h.call('GET', rpcPath)).body).toEqual({
      error: {
        code: 'InternalExecutionError',
        message: 'Injected fault: the service answered 500. Retry the request.',
      },
    });
    h.sim.setFaults([]);
    expect((await h.call('GET', rpcPath)).status).toBe(200);
  });

  it('rejects a fault plan it cannot honour', async () => {
    await start([]);
    expect(() =>
      h.sim.setFaults([{ kind: 'http', path: '**', effect: { type: 'status', status: 429 } }]),
    ).toThrow("HTTP fault status must be 5xx (use type 'throttle' for 429), got 429");
  });
});

describe('copy faults', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  /** OS 32 GiB (done at 20 min), data 256 GiB (done at 90 min). Returns the replication start. */
  async function copyRp1(faults: FaultRule[]): Promise<number> {
    h = await startSimHarness({ faults });
    await seedPair(h, { location: 'eastus', osDiskGB: 32, dataDisksGB: [256], targetRegion: 'westus' });
    await createSourceRp(h, 'rp1');
    await createSourceRp(h, 'rp2');
    const startAt = h.clock.now() + 5_000;
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    return startAt;
  }

  it('fails a disk with no detail, freezing its percentage, and fails the whole copy', async () => {
    const start = await copyRp1([
      {
        kind: 'copy',
        target: { sourceRestorePointName: 'RP1' },
        effect: { type: 'failDisk', disk: 'vm1-data0', atPercent: 50 },
      },
    ]);
    await h.clock.advanceTo(start + 40 * MIN);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('inProgress');
    await h.clock.advanceTo(start + 50 * MIN);
    const response = await h.call('GET', `${restorePointId('dst', 'rp1')}?$expand=instanceView`);
    const body = response.body as { properties: { instanceView: unknown } };
    expect(body.properties.instanceView).toEqual({
      diskRestorePoints: [
        {
          id: expect.any(String),
          snapshotAccessState: 'Available',
          replicationStatus: {
            status: { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' },
            completionPercent: 100,
          },
        },
        {
          id: expect.any(String),
          snapshotAccessState: 'Pending',
          replicationStatus: {
            status: { code: 'ReplicationState/failed', level: 'Error', displayStatus: 'Replication failed' },
            completionPercent: 45,
          },
        },
      ],
      statuses: [
        {
          code: 'ReplicationState/failed',
          level: 'Error',
          displayStatus: 'Replication failed',
          time: new Date(start + 50 * MIN).toISOString(),
        },
      ],
    });
    await h.clock.advanceTo(start + 3 * 86_400_000);
    expect(
      h.sim.getCopy(restorePointId('dst', 'rp1'))?.disks.map((d) => [d.completionPercent, d.state]),
    ).toEqual([
      [100, 'succeeded'],
      [45, 'failed'],
    ]);
    // A failed copy is no longer in flight: the next restore point may be copied.
    expect(
      (
        await h.call('PUT', restorePointId('dst', 'rp2'), {
          properties: { sourceRestorePoint: { id: restorePointId('src', 'rp2') } },
        })
      ).status,
    ).toBe(201);
  });

  it('stalls a copy: the percentage stops and never completes', async () => {
    const start = await copyRp1([{ kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: 30 } }]);
    const seen: number[][] = [];
    for (const minutes of [10, 20, 30, 40, 600]) {
      await h.clock.advanceTo(start + minutes * MIN);
      seen.push(h.sim.getCopy(restorePointId('dst', 'rp1'))?.disks.map((d) => d.completionPercent) ?? []);
    }
    expect(seen).toEqual([
      [30, 11],
      [30, 22],
      [30, 30],
      [30, 30],
      [30, 30],
    ]);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('inProgress');
    // Still in flight, so the pair stays blocked until the platform's time limit ends it.
    expect(
      (
        await h.call('PUT', restorePointId('dst', 'rp2'), {
          properties: { sourceRestorePoint: { id: restorePointId('src', 'rp2') } },
        })
      ).status,
    ).toBe(409);
  });

  it("applies a 'next' copy fault to one copy only", async () => {
    const start = await copyRp1([
      { kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 10 } },
    ]);
    await h.clock.advanceTo(start + 2 * 3_600_000);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('failed');
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp2'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp2') } },
      }),
      [201],
    );
    await h.clock.advanceBy(2 * 3_600_000);
    expect(h.sim.getCopy(restorePointId('dst', 'rp2'))?.state).toBe('succeeded');
  });
});
