import type { ComputeManagementClient } from '@azure/arm-compute';

/**
 * The demo the local stack seeds, through the same ARM calls a user (or Azure Backup) would make: a VM,
 * its restore point collection tagged with the regions to copy to, and restore points over time.
 */

export interface DemoPlan {
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  vmName: string;
  collectionName: string;
  /** Written to the collection's `rpcopy-targets` tag. */
  targetRegions: readonly string[];
  osDiskSizeGB: number;
  /** Of different sizes, so the per-disk progress visibly differs. */
  dataDiskSizesGB: readonly number[];
}

/** A fixed, obviously fake subscription: the local settings allow it and nothing else. */
export const DEMO_SUBSCRIPTION_ID = '00000000-0000-0000-0000-00000000c0de';

export const DEFAULT_DEMO_PLAN: DemoPlan = {
  subscriptionId: DEMO_SUBSCRIPTION_ID,
  resourceGroup: 'rpcopy-demo',
  location: 'eastus',
  vmName: 'demo-vm',
  collectionName: 'demo-vm-rpc',
  targetRegions: ['westus2', 'centralus'],
  // At the simulator's default 50 MiB/s, the biggest disk replicates in about 45 simulated minutes: under a
  // minute of real time at the default speed.
  osDiskSizeGB: 32,
  dataDiskSizesGB: [64, 128],
};

export const TARGETS_TAG = 'rpcopy-targets';

export interface DemoIds {
  vmId: string;
  sourceCollectionId: string;
}

export function demoIds(plan: DemoPlan): DemoIds {
  const group = `/subscriptions/${plan.subscriptionId}/resourceGroups/${plan.resourceGroup}`;
  return {
    vmId: `${group}/providers/Microsoft.Compute/virtualMachines/${plan.vmName}`,
    sourceCollectionId: `${group}/providers/Microsoft.Compute/restorePointCollections/${plan.collectionName}`,
  };
}

export interface PollOptions {
  /** How often the SDK's poller asks while an operation runs (real milliseconds), unless told otherwise. */
  updateIntervalInMs?: number;
}

/** Creates (or updates, so a half-finished seed can be repeated) the VM and its collection. */
export async function seedDemo(
  client: ComputeManagementClient,
  plan: DemoPlan,
  options: PollOptions = {},
): Promise<DemoIds> {
  const ids = demoIds(plan);
  const disk = (name: string): { id: string; storageAccountType: string } => ({
    id: `/subscriptions/${plan.subscriptionId}/resourceGroups/${plan.resourceGroup}/providers/Microsoft.Compute/disks/${name}`,
    storageAccountType: 'Premium_LRS',
  });
  const osDiskName = `${plan.vmName}-os`;
  await client.virtualMachines.beginCreateOrUpdateAndWait(
    plan.resourceGroup,
    plan.vmName,
    {
      location: plan.location,
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
      storageProfile: {
        osDisk: {
          name: osDiskName,
          osType: 'Linux',
          createOption: 'FromImage',
          diskSizeGB: plan.osDiskSizeGB,
          managedDisk: disk(osDiskName),
        },
        dataDisks: plan.dataDiskSizesGB.map((sizeGB, lun) => {
          const name = `${plan.vmName}-data${lun}`;
          return { lun, name, createOption: 'Empty', diskSizeGB: sizeGB, managedDisk: disk(name) };
        }),
      },
    },
    options,
  );
  await client.restorePointCollections.createOrUpdate(plan.resourceGroup, plan.collectionName, {
    location: plan.location,
    source: { id: ids.vmId },
    tags: { [TARGETS_TAG]: plan.targetRegions.join(',') },
  });
  return ids;
}

/** A sortable, readable restore point name for a clock time: `rp-20260101-0400`. */
export function restorePointNameAt(time: number): string {
  const iso = new Date(time).toISOString();
  return `rp-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 16).replace(':', '')}`;
}

/** Creates a source restore point of the demo VM and waits for the operation; returns its id. */
export async function createSourceRestorePoint(
  client: ComputeManagementClient,
  plan: DemoPlan,
  name: string,
  options: PollOptions = {},
): Promise<string> {
  const created = await client.restorePoints.beginCreateAndWait(
    plan.resourceGroup,
    plan.collectionName,
    name,
    { consistencyMode: 'CrashConsistent' },
    options,
  );
  return created.id ?? `${demoIds(plan).sourceCollectionId}/restorePoints/${name}`;
}
