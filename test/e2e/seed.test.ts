import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import { startComputeSimulator, type ComputeSimulator } from '../../dev/compute-sim';
import {
  createSourceRestorePoint,
  DEFAULT_DEMO_PLAN,
  demoIds,
  restorePointNameAt,
  seedDemo,
} from '../../dev/stack/seed';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';

const simulators: ComputeSimulator[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((sim) => sim.close()));
});

const plan = DEFAULT_DEMO_PLAN;
const fast = { updateIntervalInMs: 5 };

async function setUp(): Promise<{ sim: ComputeSimulator; clock: VirtualClock }> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const sim = await startComputeSimulator({ clock, lroDurationMs: 0, lroRetryAfterSeconds: 0 });
  simulators.push(sim);
  return { sim, clock };
}

function clientFor(sim: ComputeSimulator): ReturnType<typeof createComputeClient> {
  const connection = {
    endpoint: sim.endpoint,
    credential: 'static' as const,
    ...(sim.caCertificatePem ? { caCertificatePem: sim.caCertificatePem } : {}),
  };
  return createComputeClient(connection, createCredential(connection), plan.subscriptionId);
}

describe('demo seeding', () => {
  it('names restore points after their creation minute', () => {
    expect(restorePointNameAt(Date.UTC(2026, 0, 2, 4, 5, 59))).toBe('rp-20260102-0405');
  });

  it('creates the VM with three disks and a collection tagged with two regions, repeatably', async () => {
    // Prepare
    const { sim } = await setUp();
    const client = clientFor(sim);

    // Act
    const ids = await seedDemo(client, plan, fast);
    const again = await seedDemo(client, plan, fast);

    // Assess
    expect(again).toEqual(ids);
    expect(ids).toEqual(demoIds(plan));
    const vm = await client.virtualMachines.get(plan.resourceGroup, plan.vmName);
    expect({
      id: vm.id?.toLowerCase(),
      location: vm.location,
      os: vm.storageProfile?.osDisk?.diskSizeGB,
      data: vm.storageProfile?.dataDisks?.map((disk) => disk.diskSizeGB),
    }).toEqual({ id: ids.vmId.toLowerCase(), location: 'eastus', os: 32, data: [64, 128] });
    const collection = await client.restorePointCollections.get(plan.resourceGroup, plan.collectionName);
    expect({ location: collection.location, source: collection.source?.id, tags: collection.tags }).toEqual({
      location: 'eastus',
      source: ids.vmId,
      tags: { 'rpcopy-targets': 'westus2,centralus' },
    });
  });

  it('creates a source restore point of all three disks and announces it as an ARM write', async () => {
    // Prepare
    const { sim, clock } = await setUp();
    const client = clientFor(sim);
    const ids = await seedDemo(client, plan, fast);
    const received: unknown[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push(...(JSON.parse(body) as unknown[]));
        response.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    sim.subscribeEvents({ url: `http://127.0.0.1:${port}/hook`, schema: 'EventGrid' });

    // Act
    const name = restorePointNameAt(clock.now());
    const id = await createSourceRestorePoint(client, plan, name, fast);
    await clock.settle();
    server.close();

    // Assess
    expect(id.toLowerCase()).toBe(`${ids.sourceCollectionId}/restorePoints/${name}`.toLowerCase());
    const rp = await client.restorePoints.get(plan.resourceGroup, plan.collectionName, name);
    expect(rp.sourceMetadata?.storageProfile?.dataDisks?.length).toBe(2);
    expect(
      received.map((event) => {
        const e = event as { eventType: string; subject: string; data: { operationName: string } };
        return [e.eventType, e.subject, e.data.operationName];
      }),
    ).toEqual([
      [
        'Microsoft.Resources.ResourceWriteSuccess',
        id,
        'Microsoft.Compute/restorePointCollections/restorePoints/write',
      ],
    ]);
  });
});
