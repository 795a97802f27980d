import type { ComputeManagementClient } from '@azure/arm-compute';

import { VirtualClock } from '../../dev/clock';
import type { ComputeSimulator, ComputeSimulatorOptions } from '../../dev/compute-sim';
import { startComputeSimulator } from '../../dev/compute-sim';
import type { ArmConnection } from '../../src/azure/computeClient';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';

export const SUBSCRIPTION = '00000000-0000-0000-0000-00000000c0de';
export const RESOURCE_GROUP = 'rg-app';
export const START = Date.UTC(2026, 0, 1);

const group = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Compute`;
export const vmId = (name: string): string => `${group}/virtualMachines/${name}`;
export const collectionId = (name: string): string => `${group}/restorePointCollections/${name}`;
export const restorePointId = (collection: string, name: string): string =>
  `${collectionId(collection)}/restorePoints/${name}`;

export interface SimHarness {
  clock: VirtualClock;
  sim: ComputeSimulator;
  connection: ArmConnection;
  client: ComputeManagementClient;
  close(): Promise<void>;
}

/** The simulator over TLS on a virtual clock, and an SDK client built with the app's own factory. */
export async function startSimHarness(
  options: Partial<ComputeSimulatorOptions> & { clock?: VirtualClock } = {},
): Promise<SimHarness> {
  const clock = options.clock ?? new VirtualClock(START);
  const sim = await startComputeSimulator({ lroRetryAfterSeconds: 0, ...options, clock, tls: true });
  const connection: ArmConnection = {
    endpoint: sim.endpoint,
    credential: 'static',
    ...(sim.caCertificatePem === undefined ? {} : { caCertificatePem: sim.caCertificatePem }),
  };
  const client = createComputeClient(connection, createCredential(connection), SUBSCRIPTION);
  return {
    clock,
    sim,
    connection,
    client,
    close: () => sim.close(),
  };
}

export interface SourceSpec {
  vm?: string;
  collection?: string;
  location?: string;
  diskSizesGB?: number[];
  tags?: Record<string, string>;
  /** Encrypts every disk with this disk encryption set (a customer-managed key). */
  diskEncryptionSetId?: string;
}

/** Creates a VM (OS disk first, then data disks) and its restore point collection, through ARM calls. */
export async function seedSource(h: SimHarness, spec: SourceSpec = {}): Promise<void> {
  const vm = spec.vm ?? 'vm1';
  const location = spec.location ?? 'eastus';
  const [osSize = 32, ...dataSizes] = spec.diskSizesGB ?? [32, 64];
  const disk = (name: string) => ({
    id: `${group}/disks/${name}`,
    storageAccountType: 'Premium_LRS',
    ...(spec.diskEncryptionSetId === undefined
      ? {}
      : { diskEncryptionSet: { id: spec.diskEncryptionSetId } }),
  });
  const vmOperation = h.client.virtualMachines.createOrUpdate(RESOURCE_GROUP, vm, {
    location,
    hardwareProfile: { vmSize: 'Standard_D4s_v5' },
    storageProfile: {
      osDisk: {
        name: `${vm}-os`,
        osType: 'Linux',
        createOption: 'FromImage',
        diskSizeGB: osSize,
        managedDisk: disk(`${vm}-os`),
      },
      dataDisks: dataSizes.map((diskSizeGB, lun) => ({
        lun,
        name: `${vm}-data${lun}`,
        createOption: 'Empty',
        diskSizeGB,
        managedDisk: disk(`${vm}-data${lun}`),
      })),
    },
  });
  await finishOperation(h, vmOperation);
  await h.client.restorePointCollections.createOrUpdate(RESOURCE_GROUP, spec.collection ?? 'src', {
    location,
    source: { id: vmId(vm) },
    ...(spec.tags === undefined ? {} : { tags: spec.tags }),
  });
}

/**
 * Lets a simulator LRO finish by moving the virtual clock past its duration. (Auto-advance is not used: with
 * the dev host on the same clock it would also jump to the app's timers.)
 */
async function finishOperation(
  h: SimHarness,
  poller: { submitted(): Promise<void>; pollUntilDone(): Promise<unknown> },
): Promise<void> {
  await poller.submitted();
  await h.clock.advanceBy(10_000);
  await poller.pollUntilDone();
}

/** Creates a source restore point and lets its operation finish; then moves the clock on by a minute. */
export async function createSourceRestorePoint(
  h: SimHarness,
  name: string,
  collection = 'src',
): Promise<string> {
  await finishOperation(
    h,
    h.client.restorePoints.create(RESOURCE_GROUP, collection, name, { consistencyMode: 'CrashConsistent' }),
  );
  await h.clock.advanceBy(50_000);
  return restorePointId(collection, name);
}
