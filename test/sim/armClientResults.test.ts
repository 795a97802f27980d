import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import type { SimHarness } from '../support/computeSim';
import {
  RESOURCE_GROUP,
  START,
  computeBase,
  restorePointId,
  collectionId,
  startSimHarness,
  vmId,
} from '../support/computeSim';

const MIN = 60_000;
const diskRpId = (rpc: string, rp: string) =>
  expect.stringMatching(
    new RegExp(`^${restorePointId(rpc, rp)}/diskRestorePoints/vm1-os_[0-9a-f-]{36}$`),
  ) as unknown;

/** What the app reads, through the app's own client factory: whole results, not fragments. */
describe('arm-compute client results, whole', () => {
  let h: SimHarness;
  afterEach(async () => {
    h.clock.stopAuto();
    await h.close();
  });

  it('returns the source restore point, the copy from its poller, its replication view and the expanded collection', async () => {
    const clock = new VirtualClock(START);
    h = await startSimHarness({ clock, tls: true });
    clock.startAuto();
    const client = h.client;
    await client.virtualMachines.createOrUpdate(RESOURCE_GROUP, 'vm1', {
      location: 'westeurope',
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
      storageProfile: {
        osDisk: { name: 'vm1-os', osType: 'Linux', createOption: 'FromImage', diskSizeGB: 64 },
      },
    });
    await client.restorePointCollections.createOrUpdate(RESOURCE_GROUP, 'src', {
      location: 'westeurope',
      source: { id: vmId('vm1') },
    });
    const target = await client.restorePointCollections.createOrUpdate(RESOURCE_GROUP, 'dst', {
      location: 'northeurope',
      source: { id: collectionId('src') },
    });
    expect(target).toEqual({
      id: collectionId('dst'),
      name: 'dst',
      type: 'Microsoft.Compute/restorePointCollections',
      location: 'northeurope',
      source: { id: collectionId('src'), location: 'westeurope' },
      provisioningState: 'Succeeded',
      restorePointCollectionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });

    const local = await client.restorePoints.create(RESOURCE_GROUP, 'src', 'rp1', {});
    const sourceDisk = local.sourceMetadata?.storageProfile?.osDisk?.diskRestorePoint?.id;
    const metadata = (diskId: unknown, sourceDiskId?: string) => ({
      vmId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
      location: 'westeurope',
      storageProfile: {
        osDisk: {
          osType: 'Linux',
          name: 'vm1-os',
          caching: 'ReadWrite',
          diskSizeGB: 64,
          managedDisk: { id: `${computeBase}/disks/vm1-os`, storageAccountType: 'Premium_LRS' },
          diskRestorePoint: {
            id: diskId,
            ...(sourceDiskId ? { sourceDiskRestorePoint: { id: sourceDiskId } } : {}),
          },
        },
        dataDisks: [],
      },
    });
    expect(local).toEqual({
      id: restorePointId('src', 'rp1'),
      name: 'rp1',
      type: 'Microsoft.Compute/restorePointCollections/restorePoints',
      sourceMetadata: metadata(diskRpId('src', 'rp1')),
      provisioningState: 'Succeeded',
      consistencyMode: 'CrashConsistent',
      timeCreated: new Date(START),
    });

    const copyPutAt = clock.now();
    const copy = await client.restorePoints.create(RESOURCE_GROUP, 'dst', 'rp1', {
      sourceRestorePoint: { id: restorePointId('src', 'rp1') },
    });
    const expectedCopy = {
      id: restorePointId('dst', 'rp1'),
      name: 'rp1',
      type: 'Microsoft.Compute/restorePointCollections/restorePoints',
      sourceMetadata: metadata(diskRpId('dst', 'rp1'), sourceDisk),
      provisioningState: 'Succeeded',
      consistencyMode: 'CrashConsistent',
      // The simulator's convention: a copy's own creation time (the copy PUT).
      timeCreated: new Date(copyPutAt),
      sourceRestorePoint: { id: restorePointId('src', 'rp1') },
    };
    expect(copy).toEqual(expectedCopy);

    // 64 GiB at 50 MiB/s: 22 minutes, reported on the 30-minute refresh after replication starts.
    clock.stopAuto();
    const replicationStart = copyPutAt + 5_000;
    await clock.advanceTo(replicationStart + 20 * MIN);
    clock.startAuto();
    const diskView = (percent: number, done: boolean) => ({
      id: copy.sourceMetadata?.storageProfile?.osDisk?.diskRestorePoint?.id,
      snapshotAccessState: done ? 'Available' : 'Pending',
      replicationStatus: {
        status: done
          ? { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' }
          : { code: 'ReplicationState/inProgress', level: 'Info', displayStatus: 'Replication in progress' },
        completionPercent: percent,
      },
    });
    expect(await client.restorePoints.get(RESOURCE_GROUP, 'dst', 'rp1', { expand: 'instanceView' })).toEqual({
      ...expectedCopy,
      instanceView: {
        diskRestorePoints: [diskView(91, false)],
        statuses: [
          { code: 'ReplicationState/inProgress', level: 'Info', displayStatus: 'Replication in progress' },
        ],
      },
    });
    clock.stopAuto();
    await clock.advanceTo(replicationStart + 30 * MIN);
    clock.startAuto();
    const finished = {
      ...expectedCopy,
      instanceView: {
        diskRestorePoints: [diskView(100, true)],
        statuses: [
          {
            code: 'ReplicationState/succeeded',
            level: 'Info',
            displayStatus: 'Succeeded',
            time: new Date(replicationStart + 30 * MIN),
          },
        ],
      },
    };
    expect(await client.restorePoints.get(RESOURCE_GROUP, 'dst', 'rp1', { expand: 'instanceView' })).toEqual(
      finished,
    );
    expect(
      await client.restorePointCollections.get(RESOURCE_GROUP, 'dst', { expand: 'restorePoints' }),
    ).toEqual({
      ...target,
      restorePoints: [expectedCopy],
    });
  });
});
