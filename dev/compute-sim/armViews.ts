import type { ReplicationSnapshot } from './replication';
import type { CollectionRecord, DiskSnapshot, RestorePointRecord, VmDisk, VmRecord } from './stateStore';
import type { ReplicationState } from './types';

type Json = Record<string, unknown>;

function managedDiskView(d: VmDisk | DiskSnapshot): Json {
  return {
    id: d.managedDiskId,
    storageAccountType: d.storageAccountType,
    ...(d.diskEncryptionSetId !== undefined ? { diskEncryptionSet: { id: d.diskEncryptionSetId } } : {}),
  };
}

export function renderVm(vm: VmRecord): Json {
  const disk = (d: VmDisk, os: boolean): Json => ({
    ...(os ? { osType: vm.osType } : { lun: d.lun ?? 0 }),
    name: d.name,
    createOption: os ? 'FromImage' : 'Empty',
    caching: d.caching,
    diskSizeGB: d.diskSizeGB,
    managedDisk: managedDiskView(d),
  });
  return {
    name: vm.name,
    id: vm.id,
    type: 'Microsoft.Compute/virtualMachines',
    location: vm.location,
    ...(vm.tags ? { tags: vm.tags } : {}),
    properties: {
      vmId: vm.vmId,
      hardwareProfile: { vmSize: vm.vmSize },
      storageProfile: { osDisk: disk(vm.osDisk, true), dataDisks: vm.dataDisks.map((d) => disk(d, false)) },
      provisioningState: 'Succeeded',
    },
  };
}

export function renderCollection(rpc: CollectionRecord, restorePoints?: Json[]): Json {
  return {
    name: rpc.name,
    id: rpc.id,
    type: 'Microsoft.Compute/restorePointCollections',
    location: rpc.location,
    ...(rpc.tags ? { tags: rpc.tags } : {}),
    properties: {
      source: { id: rpc.sourceId, location: rpc.sourceLocation },
      ...(rpc.instantAccess !== undefined ? { instantAccess: rpc.instantAccess } : {}),
      restorePointCollectionId: rpc.collectionGuid,
      provisioningState: rpc.deleteOperationId ? 'Deleting' : 'Succeeded',
      ...(restorePoints ? { restorePoints } : {}),
    },
  };
}

function renderSourceDisk(d: DiskSnapshot, os: boolean, osType: string): Json {
  return {
    ...(os ? { osType } : { lun: d.lun ?? 0 }),
    name: d.name,
    caching: d.caching,
    diskSizeGB: d.sizeGB,
    managedDisk: managedDiskView(d),
    diskRestorePoint: {
      id: d.diskRestorePointId,
      ...(d.sourceDiskRestorePointId ? { sourceDiskRestorePoint: { id: d.sourceDiskRestorePointId } } : {}),
    },
  };
}

export function provisioningStateOf(rp: RestorePointRecord, now: number): string {
  if (rp.deleteOperationId) {
    return 'Deleting';
  }
  return now < rp.provisionedAt ? 'Creating' : 'Succeeded';
}

export function renderRestorePoint(
  rp: RestorePointRecord,
  now: number,
  instanceView?: { replication?: ReplicationSnapshot },
): Json {
  const [osDisk, ...dataDisks] = rp.disks;
  return {
    name: rp.name,
    id: rp.id,
    type: 'Microsoft.Compute/restorePointCollections/restorePoints',
    properties: {
      ...(rp.excludeDiskIds ? { excludeDisks: rp.excludeDiskIds.map((id) => ({ id })) } : {}),
      ...(rp.copy ? { sourceRestorePoint: { id: rp.copy.sourceRestorePointId } } : {}),
      sourceMetadata: {
        vmId: rp.vm.vmId,
        hardwareProfile: { vmSize: rp.vm.vmSize },
        storageProfile: {
          ...(osDisk ? { osDisk: renderSourceDisk(osDisk, true, rp.vm.osType) } : {}),
          dataDisks: dataDisks.map((d) => renderSourceDisk(d, false, rp.vm.osType)),
        },
        location: rp.vm.location,
      },
      provisioningState: provisioningStateOf(rp, now),
      consistencyMode: rp.consistencyMode,
      // Convention for copies (the docs disagree): timeCreated is the target's own creation time, i.e.
      // when the copy PUT was accepted. The source's creation time is on the source restore point.
      timeCreated: new Date(rp.createdAt).toISOString(),
      ...(instanceView ? { instanceView: renderInstanceView(rp, now, instanceView.replication) } : {}),
    },
  };
}

interface StatusText {
  code: string;
  level: 'Info' | 'Warning' | 'Error';
  displayStatus: string;
  message?: string;
}

const diskStatus: Record<ReplicationState, StatusText> = {
  creating: { code: 'ReplicationState/notStarted', level: 'Info', displayStatus: 'Replication not started' },
  inProgress: {
    code: 'ReplicationState/inProgress',
    level: 'Info',
    displayStatus: 'Replication in progress',
  },
  succeeded: { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' },
  // Azure gives no detail for a failed disk copy: no message, on purpose.
  failed: { code: 'ReplicationState/failed', level: 'Error', displayStatus: 'Replication failed' },
  terminated: {
    code: 'ReplicationState/terminated',
    level: 'Error',
    displayStatus: 'Replication terminated',
  },
  deleting: { code: 'ReplicationState/deleting', level: 'Info', displayStatus: 'Deleting' },
};

function restorePointStatus(state: ReplicationState, timeLimitDays: string): StatusText {
  if (state === 'terminated') {
    return {
      ...diskStatus.terminated,
      message: `The platform terminated this copy because it did not complete within the maximum copy duration of ${timeLimitDays}. Delete this restore point and start a new copy.`,
    };
  }
  return diskStatus[state];
}

function renderInstanceView(rp: RestorePointRecord, now: number, replication?: ReplicationSnapshot): Json {
  if (!rp.copy || !replication) {
    return {
      diskRestorePoints: rp.disks.map((d) => ({
        id: d.diskRestorePointId,
        snapshotAccessState: 'Available',
      })),
      statuses: [
        now < rp.provisionedAt
          ? { code: 'ProvisioningState/creating', level: 'Info', displayStatus: 'Creating' }
          : { code: 'ProvisioningState/succeeded', level: 'Info', displayStatus: 'Provisioning succeeded' },
      ],
    };
  }
  if (replication.state === 'creating') {
    // Before the copy has started the platform lists no disk restore points yet.
    return {
      diskRestorePoints: [],
      statuses: [{ code: 'ProvisioningState/creating', level: 'Info', displayStatus: 'Creating' }],
    };
  }
  const endedAt = replication.endedAt;
  return {
    diskRestorePoints: rp.disks.map((d, index) => {
      const progress = replication.disks[index];
      const state = progress?.state ?? 'inProgress';
      return {
        id: d.diskRestorePointId,
        snapshotAccessState: state === 'succeeded' ? 'Available' : 'Pending',
        replicationStatus: {
          status: { ...diskStatus[state] },
          completionPercent: progress?.completionPercent ?? 0,
        },
      };
    }),
    statuses: [
      {
        ...restorePointStatus(replication.state, formatDuration(rp, endedAt)),
        ...(endedAt !== undefined ? { time: new Date(endedAt).toISOString() } : {}),
      },
    ],
  };
}

function formatDuration(rp: RestorePointRecord, endedAt: number | undefined): string {
  if (endedAt === undefined) {
    return 'the time limit';
  }
  const days = (endedAt - rp.createdAt) / 86_400_000;
  return Number.isInteger(days) ? `${days} days` : `${Math.round((endedAt - rp.createdAt) / 60_000)} minutes`;
}
