import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimHarness, RawResponse } from '../support/computeSim';
import {
  createSourceRp,
  expectStatus,
  restorePointId,
  RESOURCE_GROUP,
  collectionId,
  seedPair,
  startSimHarness,
  vmBody,
  vmId,
} from '../support/computeSim';

const HOUR = 3_600_000;
const target = 'properties.sourceRestorePoint.id';

function copyBody(sourceId: string): unknown {
  return { properties: { sourceRestorePoint: { id: sourceId } } };
}

function refusal(status: number, code: string, messagePart: string, withTarget = true): unknown {
  return {
    status,
    body: {
      error: { code, message: expect.stringContaining(messagePart), ...(withTarget ? { target } : {}) },
    },
  };
}

function outcome(response: RawResponse): unknown {
  return { status: response.status, body: response.body };
}

describe('cross-region copy refusals', () => {
  let h: SimHarness;
  beforeEach(async () => {
    h = await startSimHarness();
    // 64 GiB at 50 MiB/s: replication takes 22 minutes, visible at the 30-minute refresh.
    await seedPair(h, { location: 'eastus', osDiskGB: 64, targetRegion: 'westus' });
    await createSourceRp(h, 'rp1');
    await createSourceRp(h, 'rp2');
  });
  afterEach(() => h.close());

  const copy = (rpc: string, name: string, source: string): Promise<RawResponse> =>
    h.call('PUT', restorePointId(rpc, name), copyBody(source));

  it('accepts a valid copy', async () => {
    const response = await copy('dst', 'rp1', restorePointId('src', 'rp1'));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ properties: { provisioningState: 'Creating' } });
  });

  it('refuses a copy of a copy, to a third region or back to the source region', async () => {
    await expectStatus(copy('dst', 'rp1', restorePointId('src', 'rp1')), [201]);
    await h.clock.advanceBy(HOUR);
    await expectStatus(
      h.call('PUT', collectionId('third'), {
        location: 'centralus',
        properties: { source: { id: collectionId('dst') } },
      }),
      [201],
    );
    await expectStatus(
      h.call('PUT', collectionId('back'), {
        location: 'eastus',
        properties: { source: { id: collectionId('dst') } },
      }),
      [201],
    );
    for (const rpc of ['third', 'back']) {
      expect(outcome(await copy(rpc, 'rp1', restorePointId('dst', 'rp1')))).toEqual(
        refusal(400, 'InvalidParameter', 'is itself a cross-region copy'),
      );
    }
  });

  it('refuses a second copy of the same source restore point into the same region', async () => {
    await expectStatus(copy('dst', 'rp1', restorePointId('src', 'rp1')), [201]);
    await h.clock.advanceBy(HOUR);
    await expectStatus(
      h.call('PUT', collectionId('dst2'), {
        location: 'westus',
        properties: { source: { id: collectionId('src') } },
      }),
      [201],
    );
    // Another collection in the region, a different name and different id casing: still the same copy.
    expect(outcome(await copy('dst2', 'again', restorePointId('SRC', 'RP1')))).toEqual(
      refusal(409, 'Conflict', "has already been copied to region 'westus'"),
    );
  });

  it('refuses an out-of-order copy: a gap cannot be filled later', async () => {
    await expectStatus(copy('dst', 'rp2', restorePointId('src', 'rp2')), [201]);
    await h.clock.advanceBy(HOUR);
    expect(outcome(await copy('dst', 'rp1', restorePointId('src', 'rp1')))).toEqual(
      refusal(409, 'Conflict', 'must be copied in creation order'),
    );
  });

  it('refuses a second copy for the same pair while the first still replicates, and allows it after', async () => {
    await expectStatus(copy('dst', 'rp1', restorePointId('src', 'rp1')), [201]);
    await h.clock.advanceBy(20 * 60_000);
    expect(outcome(await copy('dst', 'rp2', restorePointId('src', 'rp2')))).toEqual(
      refusal(409, 'Conflict', 'is still replicating'),
    );
    await h.clock.advanceBy(20 * 60_000);
    expect((await copy('dst', 'rp2', restorePointId('src', 'rp2'))).status).toBe(201);
  });

  it('refuses a copy within the same region', async () => {
    await expectStatus(
      h.call('PUT', collectionId('same'), {
        location: 'East US',
        properties: { source: { id: collectionId('src') } },
      }),
      [201],
    );
    expect(outcome(await copy('same', 'rp1', restorePointId('src', 'rp1')))).toEqual(
      refusal(400, 'InvalidParameter', "is in region 'eastus', the same region as collection 'same'"),
    );
  });

  it("refuses a source restore point from a collection other than the target's source", async () => {
    await expectStatus(h.call('PUT', vmId('vm2'), vmBody('vm2', { location: 'eastus' })), [201]);
    await expectStatus(
      h.call('PUT', collectionId('src2'), {
        location: 'eastus',
        properties: { source: { id: vmId('vm2') } },
      }),
      [201],
    );
    await createSourceRp(h, 'other', 'src2');
    expect(outcome(await copy('dst', 'other', restorePointId('src2', 'other')))).toEqual(
      refusal(400, 'InvalidParameter', "copies from '/subscriptions/"),
    );
  });

  it('refuses a PUT to an existing restore point name: restore points cannot be updated', async () => {
    await expectStatus(copy('dst', 'rp1', restorePointId('src', 'rp1')), [201]);
    expect(outcome(await copy('dst', 'RP1', restorePointId('src', 'rp1')))).toEqual(
      refusal(409, 'Conflict', 'Restore points cannot be updated', false),
    );
    expect(outcome(await h.call('PUT', restorePointId('src', 'rp1'), {}))).toEqual(
      refusal(
        409,
        'Conflict',
        "Restore point 'rp1' already exists in collection 'src' (provisioningState Succeeded)",
        false,
      ),
    );
  });

  it('refuses a missing source, a source still being created, and disk exclusion at copy time', async () => {
    expect(outcome(await copy('dst', 'x', restorePointId('src', 'nope')))).toEqual(
      refusal(404, 'ResourceNotFound', 'was not found'),
    );
    await expectStatus(h.call('PUT', restorePointId('src', 'rp3'), {}), [201]);
    expect(outcome(await copy('dst', 'rp3', restorePointId('src', 'rp3')))).toEqual(
      refusal(409, 'Conflict', 'is Creating'),
    );
    const excluding = await h.call('PUT', restorePointId('dst', 'rp1'), {
      properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') }, excludeDisks: [{ id: 'x' }] },
    });
    expect(outcome(excluding)).toEqual({
      status: 400,
      body: {
        error: {
          code: 'InvalidParameter',
          message: expect.stringContaining('cannot be excluded when copying'),
          target: 'properties.excludeDisks',
        },
      },
    });
  });

  it('refuses a local restore point in a collection of copies', async () => {
    expect(outcome(await h.call('PUT', restorePointId('dst', 'local'), {}))).toEqual(
      refusal(400, 'InvalidParameter', 'holds cross-region copies'),
    );
  });
});

describe('ARM request rules', () => {
  let h: SimHarness;
  beforeEach(async () => {
    h = await startSimHarness({ tls: false });
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
  });
  afterEach(() => h.close());

  it('requires api-version and accepts versions from 2021-03-01 to 2026-04-01', async () => {
    expect(outcome(await h.call('GET', collectionId('src'), undefined, { apiVersion: null }))).toEqual({
      status: 400,
      body: {
        error: {
          code: 'MissingApiVersionParameter',
          message:
            'The api-version query parameter (?api-version=) is required for all requests. Use api-version=2026-04-01.',
        },
      },
    });
    expect(
      outcome(await h.call('GET', collectionId('src'), undefined, { apiVersion: '2020-06-01' })),
    ).toEqual({
      status: 400,
      body: {
        error: {
          code: 'InvalidApiVersionParameter',
          message:
            "The api-version '2020-06-01' is invalid. The supported versions are dates from '2021-03-01' to '2026-04-01'.",
        },
      },
    });
    expect((await h.call('GET', collectionId('src'), undefined, { apiVersion: '2021-03-01' })).status).toBe(
      200,
    );
    expect((await h.call('GET', collectionId('src'), undefined, { apiVersion: '2024-07-01' })).status).toBe(
      200,
    );
  });

  it('treats ids case-insensitively and returns them as created', async () => {
    const upper = await h.call(
      'GET',
      collectionId('src').toUpperCase().replace('/SUBSCRIPTIONS', '/subscriptions'),
    );
    expect(upper.status).toBe(200);
    expect(upper.body).toMatchObject({ id: collectionId('src'), name: 'src' });
    const lower = await h.call('GET', collectionId('SRC').toLowerCase());
    expect(lower.body).toMatchObject({ id: collectionId('src') });
  });

  it('answers ResourceNotFound and ParentResourceNotFound with ARM bodies', async () => {
    expect(outcome(await h.call('GET', collectionId('nope')))).toEqual({
      status: 404,
      body: {
        error: {
          code: 'ResourceNotFound',
          message: `The Resource 'Microsoft.Compute/restorePointCollections/nope' under resource group '${RESOURCE_GROUP}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        },
      },
    });
    expect(outcome(await h.call('GET', restorePointId('nope', 'rp')))).toEqual({
      status: 404,
      body: {
        error: {
          code: 'ParentResourceNotFound',
          message:
            "Can not perform requested operation on nested resource. Parent resource 'nope' not found.",
        },
      },
    });
  });

  it('rejects bad collection input with InvalidParameter and refuses to move a collection', async () => {
    expect(outcome(await h.call('PUT', collectionId('bad'), { location: 'westus', properties: {} }))).toEqual(
      {
        status: 400,
        body: {
          error: {
            code: 'InvalidParameter',
            message: expect.stringContaining("'properties.source.id' is required"),
            target: 'properties.source.id',
          },
        },
      },
    );
    expect(
      outcome(
        await h.call('PUT', collectionId('dst'), {
          location: 'centralus',
          properties: { source: { id: collectionId('src') } },
        }),
      ),
    ).toEqual({
      status: 409,
      body: {
        error: {
          code: 'PropertyChangeNotAllowed',
          message: "Changing property 'location' is not allowed (it is 'westus').",
          target: 'location',
        },
      },
    });
    const invalidJson = await fetch(`${h.sim.endpoint}${collectionId('x')}?api-version=2026-04-01`, {
      method: 'PUT',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: '{',
    });
    expect({ status: invalidJson.status, body: await invalidJson.json() }).toEqual({
      status: 400,
      body: { error: { code: 'InvalidRequestContent', message: 'The request content is not valid JSON.' } },
    });
  });
});
