import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimHarness } from '../support/computeSim';
import {
  START,
  createSourceRp,
  expectStatus,
  retryView,
  restorePointId,
  collectionId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

describe('long-running operations', () => {
  let h: SimHarness;
  beforeEach(async () => {
    h = await startSimHarness({ lroRetryAfterSeconds: 3 });
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
  });
  afterEach(() => h.close());

  const relative = (url: string | null): string => (url ?? '').replace(h.sim.endpoint, '');

  it('reports a create through Azure-AsyncOperation (InProgress, Succeeded) and Location (202, then 200 with the resource)', async () => {
    // Act: create a restore point.
    const put = await h.call('PUT', restorePointId('src', 'rp1'), {});

    // Assess: 201 with both poll URLs.
    expect({ status: put.status, retryAfter: put.headers.get('retry-after') }).toEqual({
      status: 201,
      retryAfter: '3',
    });
    const asyncUrl = relative(put.headers.get('azure-asyncoperation'));
    const locationUrl = relative(put.headers.get('location'));
    expect(asyncUrl).toMatch(
      /^\/subscriptions\/[^/]+\/providers\/Microsoft\.Compute\/locations\/eastus\/operations\/[0-9a-f-]{36}\?api-version=2026-04-01$/,
    );
    const operationId = /operations\/([0-9a-f-]+)/.exec(asyncUrl)?.[1] ?? '';

    // Act: poll both URLs while it runs.
    const running = await h.call('GET', asyncUrl, undefined, { apiVersion: null });
    const locationRunning = await h.call('GET', locationUrl, undefined, { apiVersion: null });

    // Assess
    expect({ status: running.status, body: running.body }).toEqual({
      status: 200,
      body: { name: operationId, status: 'InProgress', startTime: new Date(START).toISOString() },
    });
    expect(retryView(locationRunning)).toEqual({
      status: 202,
      retryAfter: '3',
      body: undefined,
    });

    // Act: poll both once it has ended.
    await h.clock.advanceBy(5_000);
    const done = await h.call('GET', asyncUrl, undefined, { apiVersion: null });
    const locationDone = await h.call('GET', locationUrl, undefined, { apiVersion: null });

    // Assess
    expect(done.body).toEqual({
      name: operationId,
      status: 'Succeeded',
      startTime: new Date(START).toISOString(),
      endTime: new Date(START + 5_000).toISOString(),
    });
    expect(locationDone.status).toBe(200);
    expect(locationDone.body).toMatchObject({
      id: restorePointId('src', 'rp1'),
      properties: { provisioningState: 'Succeeded' },
    });
  });

  it('keeps a deleting resource visible as Deleting until the delete ends, and a repeated DELETE reuses the operation', async () => {
    await createSourceRp(h, 'rp1');
    const first = await h.call('DELETE', restorePointId('src', 'rp1'));
    const second = await h.call('DELETE', restorePointId('src', 'rp1'));
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(second.headers.get('azure-asyncoperation')).toBe(first.headers.get('azure-asyncoperation'));
    expect((await h.call('GET', restorePointId('src', 'rp1'))).body).toMatchObject({
      properties: { provisioningState: 'Deleting' },
    });
    await h.clock.advanceBy(5_000);
    expect((await h.call('GET', restorePointId('src', 'rp1'))).status).toBe(404);
  });

  it('deletes the restore points inside a deleted collection, and refuses writes into it meanwhile', async () => {
    await createSourceRp(h, 'rp1');
    await expectStatus(h.call('DELETE', collectionId('src')), [202]);
    expect((await h.call('GET', collectionId('src'))).body).toMatchObject({
      properties: { provisioningState: 'Deleting' },
    });
    const refused = await h.call('PUT', restorePointId('src', 'rp2'), {});
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 409,
      body: {
        error: {
          code: 'Conflict',
          message: "Restore point collection 'src' is being deleted; no restore point can be created in it.",
        },
      },
    });
    await h.clock.advanceBy(5_000);
    expect((await h.call('GET', restorePointId('src', 'rp1'))).status).toBe(404);
    expect((await h.call('GET', collectionId('src'))).status).toBe(404);
  });

  it('allows one restore point creation at a time per VM', async () => {
    await expectStatus(h.call('PUT', restorePointId('src', 'rp1'), {}), [201]);
    const refused = await h.call('PUT', restorePointId('src', 'rp2'), {});
    expect({ status: refused.status, body: refused.body }).toEqual({
      status: 409,
      body: {
        error: {
          code: 'Conflict',
          message:
            "Restore point 'rp1' of virtual machine 'vm1' is still being created; a VM allows one restore point creation at a time. Retry when it has finished.",
        },
      },
    });
    await h.clock.advanceBy(5_000);
    expect((await h.call('PUT', restorePointId('src', 'rp2'), {})).status).toBe(201);
  });

  it('forgets finished operations after a day', async () => {
    const put = await h.call('PUT', restorePointId('src', 'rp1'), {});
    const asyncUrl = relative(put.headers.get('azure-asyncoperation'));
    await h.clock.advanceBy(5_000 + 24 * 3_600_000);
    expect((await h.call('GET', asyncUrl, undefined, { apiVersion: null })).status).toBe(200);
    await h.clock.advanceBy(1);
    expect((await h.call('GET', asyncUrl, undefined, { apiVersion: null })).status).toBe(404);
  });

  it('answers 404 for an unknown operation', async () => {
    const response = await h.call(
      'GET',
      '/subscriptions/00000000-0000-0000-0000-0000000000aa/providers/Microsoft.Compute/locations/eastus/operations/nope',
    );
    expect({ status: response.status, body: response.body }).toEqual({
      status: 404,
      body: { error: { code: 'ResourceNotFound', message: "The operation 'nope' was not found." } },
    });
  });
});

describe('malformed requests', () => {
  it('answers a broken percent-encoding with 400, not a crash', async () => {
    const h = await startSimHarness();
    const response = await h.call('GET', `${collectionId('src')}%E0%A4%A`);
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: {
        error: {
          code: 'InvalidRequestUri',
          message: "The path segment 'src%E0%A4%A' is not valid percent-encoding.",
        },
      },
    });
    await h.close();
  });
});
