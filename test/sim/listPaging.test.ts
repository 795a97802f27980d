import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import { schemaErrors } from './computeSchema';
import type { SimHarness } from '../support/computeSim';
import {
  RESOURCE_GROUP,
  START,
  SUBSCRIPTION,
  expectStatus,
  collectionId,
  startSimHarness,
  vmBody,
  vmId,
} from '../support/computeSim';

const OTHER_RG = 'rg-other';
const otherRpcId = (name: string): string =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${OTHER_RG}/providers/Microsoft.Compute/restorePointCollections/${name}`;
const listPath = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Compute/restorePointCollections`;

describe('list operations page with nextLink', () => {
  let h: SimHarness;
  afterEach(async () => {
    h.clock.stopAuto();
    await h.close();
  });

  /** Five collections in RESOURCE_GROUP (c1…c5) and two in another resource group (o1, o2), all on one VM. */
  async function seed(): Promise<void> {
    await expectStatus(h.call('PUT', vmId('vm1'), vmBody('vm1', { location: 'eastus' })), [201]);
    for (const id of [
      ...['c3', 'c1', 'c5', 'c2', 'c4'].map(collectionId),
      otherRpcId('o1'),
      otherRpcId('o2'),
    ]) {
      await expectStatus(
        h.call('PUT', id, { location: 'eastus', properties: { source: { id: vmId('vm1') } } }),
        [201],
      );
    }
  }

  it('the real client follows nextLink through every page of list and listAll', async () => {
    const clock = new VirtualClock(START);
    h = await startSimHarness({ clock, tls: true, listPageSize: 2 });
    clock.startAuto();
    const client = h.client;
    // Over TLS, seeding goes through the same client.
    await client.virtualMachines.createOrUpdate(RESOURCE_GROUP, 'vm1', {
      location: 'eastus',
      storageProfile: { osDisk: { createOption: 'FromImage', diskSizeGB: 32 } },
    });
    for (const [rg, name] of [
      [RESOURCE_GROUP, 'c3'],
      [RESOURCE_GROUP, 'c1'],
      [RESOURCE_GROUP, 'c5'],
      [RESOURCE_GROUP, 'c2'],
      [RESOURCE_GROUP, 'c4'],
      [OTHER_RG, 'o1'],
      [OTHER_RG, 'o2'],
    ] as const) {
      await client.restorePointCollections.createOrUpdate(rg, name, {
        location: 'eastus',
        source: { id: vmId('vm1') },
      });
    }
    h.sim.clearRequestLog();

    const listed: string[] = [];
    for await (const rpc of client.restorePointCollections.list(RESOURCE_GROUP)) {
      listed.push(rpc.name ?? '');
    }
    expect(listed).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    const listedAll: string[] = [];
    for await (const rpc of client.restorePointCollections.listAll()) {
      listedAll.push(rpc.name ?? '');
    }
    expect(listedAll).toEqual(['c1', 'c2', 'c3', 'c4', 'c5', 'o1', 'o2']);
    const pageSizes: number[] = [];
    for await (const page of client.restorePointCollections.list(RESOURCE_GROUP).byPage()) {
      pageSizes.push(page.length);
    }
    expect(pageSizes).toEqual([2, 2, 1]);

    const requests = h.sim.requestLog.map(
      (e) => `${e.status} ${e.path} ${e.query.replace(/\$skipToken=[^&]+/, '$skipToken=…')}`,
    );
    const rgPage = `200 ${listPath}`;
    const allPage = `200 /subscriptions/${SUBSCRIPTION}/providers/Microsoft.Compute/restorePointCollections`;
    expect(requests).toEqual([
      `${rgPage} api-version=2026-04-01`,
      `${rgPage} api-version=2026-04-01&$skipToken=…`,
      `${rgPage} api-version=2026-04-01&$skipToken=…`,
      `${allPage} api-version=2026-04-01`,
      `${allPage} api-version=2026-04-01&$skipToken=…`,
      `${allPage} api-version=2026-04-01&$skipToken=…`,
      `${allPage} api-version=2026-04-01&$skipToken=…`,
      `${rgPage} api-version=2026-04-01`,
      `${rgPage} api-version=2026-04-01&$skipToken=…`,
      `${rgPage} api-version=2026-04-01&$skipToken=…`,
    ]);
  });

  it('returns a page with an absolute nextLink on its own origin, and no nextLink on the last page', async () => {
    h = await startSimHarness({ tls: false, listPageSize: 3 });
    await seed();
    const first = await h.call('GET', listPath);
    const firstBody = first.body as { value: { name: string }[]; nextLink: string };
    expect({
      status: first.status,
      names: firstBody.value.map((c) => c.name),
      keys: Object.keys(firstBody),
    }).toEqual({
      status: 200,
      names: ['c1', 'c2', 'c3'],
      keys: ['value', 'nextLink'],
    });
    expect(firstBody.nextLink).toMatch(
      new RegExp(`^${h.sim.endpoint}${listPath}\\?api-version=2026-04-01&\\$skipToken=[A-Za-z0-9_-]+$`),
    );
    // Deleting a collection already returned, and adding one after the token, moves nothing else.
    await expectStatus(h.call('DELETE', collectionId('c1')), [202]);
    await h.clock.advanceBy(10_000);
    await expectStatus(
      h.call('PUT', collectionId('c9'), { location: 'eastus', properties: { source: { id: vmId('vm1') } } }),
      [201],
    );
    const second = await fetch(firstBody.nextLink, { headers: { authorization: 'Bearer t' } });
    const secondBody = (await second.json()) as { value: { name: string }[]; nextLink?: string };
    // Both pages, with and without nextLink, are RestorePointCollectionListResult as the spec defines it.
    expect([
      schemaErrors('RestorePointCollectionListResult', first.body),
      schemaErrors('RestorePointCollectionListResult', secondBody),
    ]).toEqual([[], []]);
    // The strict schema can fail: an undeclared property and a nextLink that is not a URL.
    expect(schemaErrors('RestorePointCollectionListResult', { value: [], nextLink: 'x', extra: 1 })).toEqual([
      ' must NOT have additional properties {"additionalProperty":"extra"}',
      '/nextLink must match format "uri" {"format":"uri"}',
    ]);
    expect({
      status: second.status,
      names: secondBody.value.map((c) => c.name),
      nextLink: secondBody.nextLink,
    }).toEqual({
      status: 200,
      names: ['c4', 'c5', 'c9'],
      nextLink: undefined,
    });
  });

  it('refuses a forged skip token with 400 InvalidParameter', async () => {
    h = await startSimHarness({ listPageSize: 2 });
    const response = await h.call('GET', `${listPath}?$skipToken=bm9wZQ`);
    expect({ status: response.status, body: response.body }).toEqual({
      status: 400,
      body: {
        error: {
          code: 'InvalidParameter',
          message:
            "The '$skipToken' value 'bm9wZQ' is not valid. Use the nextLink of the previous page as it was returned.",
          target: '$skipToken',
        },
      },
    });
  });

  it('keeps a short list on one page by default, and refuses a page size that is not a whole positive number', async () => {
    h = await startSimHarness();
    await seed();
    const response = await h.call('GET', listPath);
    expect(response.body).toEqual({
      value: ['c1', 'c2', 'c3', 'c4', 'c5'].map((name) =>
        expect.objectContaining({ name, id: collectionId(name) }),
      ),
    });
    await expect(startSimHarness({ listPageSize: 0 })).rejects.toThrow(
      'listPageSize must be a positive number, got 0',
    );
    await expect(startSimHarness({ listPageSize: 2.5 })).rejects.toThrow(
      'listPageSize must be a whole number, got 2.5',
    );
  });
});
