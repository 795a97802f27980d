import { afterEach, describe, expect, it } from 'vitest';
import type { SimHarness, SimHarnessOptions } from '../support/computeSim';
import {
  createSourceRp,
  expectStatus,
  restorePointId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

const MIN = 60_000;
const DAY = 86_400_000;

describe('replication progress over simulated time', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  /** Source VM: 32 GiB OS disk and a 256 GiB data disk; returns the clock time replication starts. */
  async function startCopy(
    options: SimHarnessOptions = {},
    disks = { os: 32, data: [256] },
  ): Promise<number> {
    h = await startSimHarness(options);
    await seedPair(h, {
      location: 'eastus',
      osDiskGB: disks.os,
      dataDisksGB: disks.data,
      targetRegion: 'westus',
    });
    await createSourceRp(h, 'rp1');
    const putAt = h.clock.now();
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    return putAt + 5_000;
  }

  const percents = (): number[] =>
    h.sim.getCopy(restorePointId('dst', 'rp1'))?.disks.map((d) => d.completionPercent) ?? [];

  it('lists no disks while Creating, then steps every 10 minutes with per-disk durations from size', async () => {
    const start = await startCopy();
    const creating = await h.call('GET', `${restorePointId('dst', 'rp1')}?$expand=instanceView`);
    expect(creating.body).toMatchObject({
      properties: {
        provisioningState: 'Creating',
        instanceView: {
          diskRestorePoints: [],
          statuses: [{ code: 'ProvisioningState/creating', level: 'Info', displayStatus: 'Creating' }],
        },
      },
    });
    await h.clock.advanceTo(start);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))).toEqual({
      id: restorePointId('dst', 'rp1'),
      sourceRestorePointId: restorePointId('src', 'rp1'),
      provisioningState: 'Succeeded',
      state: 'inProgress',
      disks: [
        { name: 'vm1-os', sizeGB: 32, completionPercent: 0, state: 'inProgress' },
        { name: 'vm1-data0', sizeGB: 256, completionPercent: 0, state: 'inProgress' },
      ],
    });
    // 32 GiB at 50 MiB/s takes 655 s; 256 GiB takes 5243 s (87 min).
    const seen: number[][] = [];
    for (let tick = 1; tick <= 9; tick++) {
      await h.clock.advanceTo(start + tick * 10 * MIN - 1);
      const before = percents();
      await h.clock.advanceTo(start + tick * 10 * MIN);
      seen.push(percents());
      // Nothing moves between refreshes.
      expect(before).toEqual(seen[tick - 2] ?? [0, 0]);
    }
    expect(seen).toEqual([
      [91, 11],
      [100, 22],
      [100, 34],
      [100, 45],
      [100, 57],
      [100, 68],
      [100, 80],
      [100, 91],
      [100, 100],
    ]);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('succeeded');
  });

  it('reports in-progress disks with an invented ReplicationState code in the wire format', async () => {
    const start = await startCopy();
    await h.clock.advanceTo(start + 10 * MIN);
    const response = await h.call('GET', `${restorePointId('dst', 'rp1')}?$expand=instanceView`);
    const body = response.body as { properties: { instanceView: unknown } };
    expect(body.properties.instanceView).toEqual({
      diskRestorePoints: [
        {
          id: expect.stringMatching(/\/restorePoints\/rp1\/diskRestorePoints\/vm1-os_[0-9a-f-]{36}$/),
          snapshotAccessState: 'Pending',
          replicationStatus: {
            status: {
              code: 'ReplicationState/inProgress',
              level: 'Info',
              displayStatus: 'Replication in progress',
            },
            completionPercent: 91,
          },
        },
        {
          id: expect.stringMatching(/\/diskRestorePoints\/vm1-data0_[0-9a-f-]{36}$/),
          snapshotAccessState: 'Pending',
          replicationStatus: {
            status: {
              code: 'ReplicationState/inProgress',
              level: 'Info',
              displayStatus: 'Replication in progress',
            },
            completionPercent: 11,
          },
        },
      ],
      statuses: [
        { code: 'ReplicationState/inProgress', level: 'Info', displayStatus: 'Replication in progress' },
      ],
    });
  });

  it('scales durations with the configured throughput and refresh interval', async () => {
    const start = await startCopy({ throughputMiBps: 100, progressIntervalMs: 5 * MIN });
    await h.clock.advanceTo(start + 5 * MIN);
    expect(percents()).toEqual([91, 11]);
    await h.clock.advanceTo(start + 45 * MIN);
    expect(percents()).toEqual([100, 100]);
  });

  it('terminates a copy still replicating 14 days after its PUT, freezing its percentage', async () => {
    // 2 TiB at 1 MiB/s would take 24 days.
    const start = await startCopy({ throughputMiBps: 1 }, { os: 2048, data: [] });
    const putAt = start - 5_000;
    await h.clock.advanceTo(putAt + 14 * DAY - 1);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('inProgress');
    await h.clock.advanceTo(putAt + 14 * DAY);
    const killed = h.sim.getCopy(restorePointId('dst', 'rp1'));
    expect(killed?.state).toBe('terminated');
    expect(killed?.disks).toEqual([
      { name: 'vm1-os', sizeGB: 2048, completionPercent: 57, state: 'terminated' },
    ]);
    await h.clock.advanceTo(putAt + 20 * DAY);
    const response = await h.call('GET', `${restorePointId('dst', 'rp1')}?$expand=instanceView`);
    const body = response.body as { properties: { provisioningState: string; instanceView: unknown } };
    expect(body.properties.provisioningState).toBe('Succeeded');
    expect(body.properties.instanceView).toEqual({
      diskRestorePoints: [
        {
          id: expect.any(String),
          snapshotAccessState: 'Pending',
          replicationStatus: {
            status: {
              code: 'ReplicationState/terminated',
              level: 'Error',
              displayStatus: 'Replication terminated',
            },
            completionPercent: 57,
          },
        },
      ],
      statuses: [
        {
          code: 'ReplicationState/terminated',
          level: 'Error',
          displayStatus: 'Replication terminated',
          message:
            'The platform terminated this copy because it did not complete within the maximum copy duration of 14 days. Delete this restore point and start a new copy.',
          time: new Date(putAt + 14 * DAY).toISOString(),
        },
      ],
    });
  });

  it('honours a shorter configured copy time limit', async () => {
    const start = await startCopy({ copyTimeLimitMs: 30 * MIN });
    await h.clock.advanceTo(start + 40 * MIN);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))).toMatchObject({
      state: 'terminated',
      disks: [
        { completionPercent: 100, state: 'succeeded' },
        { completionPercent: 22, state: 'terminated' },
      ],
    });
  });
});
