import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import type { SimHarness } from '../support/computeSim';
import {
  RESOURCE_GROUP,
  START,
  SUBSCRIPTION,
  restorePointId,
  collectionId,
  startSimHarness,
  vmBody,
  vmId,
} from '../support/computeSim';

/**
 * The real @azure/arm-compute client, built by the app's own factory, against the simulator over TLS.
 * The SDK's pollers sleep in real time on Retry-After, so the simulator answers Retry-After: 0 and runs on
 * a VirtualClock in auto mode: whenever the process is idle the clock jumps to the next simulator timer
 * (the LRO's completion), so a 5-second simulated operation ends on the poller's next request.
 */
describe('arm-compute client round trip over TLS', () => {
  let h: SimHarness;
  afterEach(async () => {
    h.clock.stopAuto();
    await h.close();
  });

  it('creates, reads, copies and deletes through every operation, pollers included', async () => {
    const clock = new VirtualClock(START);
    h = await startSimHarness({ clock, tls: true });
    expect(h.sim.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(h.sim.caCertificatePem).toContain('BEGIN CERTIFICATE');
    clock.startAuto();
    const client = h.client;

    const vm = await client.virtualMachines.createOrUpdate(RESOURCE_GROUP, 'vm1', {
      location: 'westeurope',
      hardwareProfile: { vmSize: 'Standard_D4s_v5' },
      storageProfile: {
        osDisk: {
          name: 'vm1-os',
          osType: 'Linux',
          createOption: 'FromImage',
          diskSizeGB: 64,
          managedDisk: { id: `${vmId('vm1')}-os` },
        },
        dataDisks: [{ lun: 0, name: 'vm1-data0', createOption: 'Empty', diskSizeGB: 256 }],
      },
    });
    expect(vm.id).toBe(vmId('vm1'));
    const fetchedVm = await client.virtualMachines.get(RESOURCE_GROUP, 'vm1');
    expect(fetchedVm.storageProfile?.dataDisks?.[0]?.diskSizeGB).toBe(256);

    const source = await client.restorePointCollections.createOrUpdate(RESOURCE_GROUP, 'src', {
      location: 'westeurope',
      source: { id: vmId('vm1') },
    });
    expect(source).toMatchObject({
      id: collectionId('src'),
      location: 'westeurope',
      source: { id: vmId('vm1'), location: 'westeurope' },
      provisioningState: 'Succeeded',
    });
    const target = await client.restorePointCollections.createOrUpdate(RESOURCE_GROUP, 'dst', {
      location: 'northeurope',
      source: { id: collectionId('src') },
    });
    expect(target.source).toEqual({ id: collectionId('src'), location: 'westeurope' });

    const local = await client.restorePoints.create(RESOURCE_GROUP, 'src', 'rp1', {});
    expect(local.provisioningState).toBe('Succeeded');
    expect(local.sourceMetadata?.storageProfile?.osDisk?.name).toBe('vm1-os');
    expect(local.sourceMetadata?.storageProfile?.dataDisks?.map((d) => d.name)).toEqual(['vm1-data0']);

    const poller = client.restorePoints.create(RESOURCE_GROUP, 'dst', 'rp1-copy', {
      sourceRestorePoint: { id: restorePointId('src', 'rp1') },
    });
    const copy = await poller;
    expect(copy.provisioningState).toBe('Succeeded');
    expect(copy.sourceRestorePoint?.id).toBe(restorePointId('src', 'rp1'));

    const withView = await client.restorePoints.get(RESOURCE_GROUP, 'dst', 'rp1-copy', {
      expand: 'instanceView',
    });
    expect(withView.instanceView?.diskRestorePoints?.map((d) => d.replicationStatus?.status?.code)).toEqual([
      'ReplicationState/inProgress',
      'ReplicationState/inProgress',
    ]);

    const expanded = await client.restorePointCollections.get(RESOURCE_GROUP, 'dst', {
      expand: 'restorePoints',
    });
    expect(expanded.restorePoints?.map((rp) => rp.name)).toEqual(['rp1-copy']);

    const listed = [];
    for await (const rpc of client.restorePointCollections.list(RESOURCE_GROUP)) {
      listed.push(rpc.name);
    }
    expect(listed.sort()).toEqual(['dst', 'src']);
    const listedAll = [];
    for await (const rpc of client.restorePointCollections.listAll()) {
      listedAll.push(rpc.name);
    }
    expect(listedAll.sort()).toEqual(['dst', 'src']);

    const updated = await client.restorePointCollections.update(RESOURCE_GROUP, 'dst', {
      tags: { owner: 'dr' },
    });
    expect(updated.tags).toEqual({ owner: 'dr' });

    // Refusals reach the app as RestError with the ARM code; the app's client never retries a 429 itself.
    await expect(
      client.restorePoints.create(RESOURCE_GROUP, 'dst', 'again', {
        sourceRestorePoint: { id: restorePointId('src', 'rp1') },
      }),
    ).rejects.toMatchObject({
      statusCode: 409,
      code: 'Conflict',
    });
    h.sim.setFaults([
      {
        kind: 'http',
        method: 'GET',
        path: '**/restorePoints/*',
        effect: { type: 'throttle', retryAfterSeconds: 30 },
        times: 1,
      },
    ]);
    await expect(client.restorePoints.get(RESOURCE_GROUP, 'dst', 'rp1-copy')).rejects.toMatchObject({
      statusCode: 429,
      code: 'TooManyRequests',
    });
    h.sim.setFaults([]);

    await client.restorePoints.delete(RESOURCE_GROUP, 'dst', 'rp1-copy');
    await expect(client.restorePoints.get(RESOURCE_GROUP, 'dst', 'rp1-copy')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceNotFound',
    });

    await client.restorePointCollections.delete(RESOURCE_GROUP, 'src');
    await expect(client.restorePointCollections.get(RESOURCE_GROUP, 'src')).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(client.restorePoints.get(RESOURCE_GROUP, 'src', 'rp1')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ParentResourceNotFound',
    });

    const writes = h.sim.requestLog.filter((e) => e.method !== 'GET').map((e) => `${e.method} ${e.status}`);
    expect(writes).toEqual([
      'PUT 201',
      'PUT 201',
      'PUT 201',
      'PUT 201',
      'PUT 201',
      'PATCH 200',
      'PUT 409',
      'DELETE 202',
      'DELETE 202',
    ]);
    expect(h.sim.requestLog.every((e) => e.subscriptionId === SUBSCRIPTION)).toBe(true);
  });

  it('rejects a request without a bearer token with 401 AuthenticationFailed', async () => {
    h = await startSimHarness({ tls: false });
    const response = await fetch(`${h.sim.endpoint}${collectionId('src')}?api-version=2026-04-01`);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        code: 'AuthenticationFailed',
        message: "Authentication failed. The 'Authorization' header is missing or is not a Bearer token.",
      },
    });
  });

  it('seeds through raw ARM calls too', async () => {
    h = await startSimHarness();
    const created = await h.call(
      'PUT',
      vmId('vm2'),
      vmBody('vm2', { location: 'westeurope', dataDisksGB: [32] }),
    );
    expect(created.status).toBe(201);
    const again = await h.call('PUT', vmId('VM2'), vmBody('vm2', { location: 'westeurope' }));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: vmId('vm2'), location: 'westeurope' });
  });
});
