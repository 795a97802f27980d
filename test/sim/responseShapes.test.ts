import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SimHarness, RawResponse } from '../support/computeSim';
import { FIXTURES_DIR } from '../support/fixtures';
import { schemaErrors } from './computeSchema';
import {
  computeBase,
  expectStatus,
  restorePointId,
  collectionId,
  startSimHarness,
  vmBody,
  vmId,
} from '../support/computeSim';

interface Example {
  operationId: string;
  parameters: Record<string, unknown>;
  responses: Record<string, { body?: unknown; headers?: Record<string, string> }>;
}

function example(path: string): Example {
  return JSON.parse(readFileSync(join(FIXTURES_DIR, path), 'utf8')) as Example;
}

/** Every key path of a JSON value, arrays as `[]`: the value's shape. */
function keyPaths(value: unknown, prefix = ''): Set<string> {
  const paths = new Set<string>();
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) {
      for (const item of node) {
        walk(item, `${path}[]`);
      }
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        const next = path ? `${path}.${key}` : key;
        paths.add(next);
        walk(child, next);
      }
    }
  };
  walk(value, prefix);
  return paths;
}

function missingFrom(actual: unknown, expected: unknown): string[] {
  const have = keyPaths(actual);
  return [...keyPaths(expected)].filter((p) => !have.has(p)).sort();
}

/** Source-VM details the simulator does not model; everything else an example shows, it returns. */
const NOT_MODELLED = [
  'properties.instantAccessDurationMinutes',
  'properties.sourceMetadata.diagnosticsProfile',
  'properties.sourceMetadata.diagnosticsProfile.bootDiagnostics',
  'properties.sourceMetadata.diagnosticsProfile.bootDiagnostics.enabled',
  'properties.sourceMetadata.osProfile',
  'properties.sourceMetadata.osProfile.adminUsername',
  'properties.sourceMetadata.osProfile.allowExtensionOperations',
  'properties.sourceMetadata.osProfile.computerName',
  'properties.sourceMetadata.osProfile.requireGuestProvisionSignal',
  'properties.sourceMetadata.osProfile.secrets',
  'properties.sourceMetadata.osProfile.windowsConfiguration',
  'properties.sourceMetadata.osProfile.windowsConfiguration.enableAutomaticUpdates',
  'properties.sourceMetadata.osProfile.windowsConfiguration.provisionVMAgent',
  'properties.sourceMetadata.storageProfile.diskControllerType',
];

describe('every fixture example has a matching response shape', () => {
  let h: SimHarness;
  beforeEach(async () => {
    h = await startSimHarness({ seed: 7 });
  });
  afterEach(() => h.close());

  /** A VM with an excluded data disk, its collection, a finished restore point and a target collection. */
  async function seedSource(): Promise<void> {
    await expectStatus(
      h.call('PUT', vmId('myVM'), vmBody('myVM', { location: 'eastus', dataDisksGB: [64, 32] })),
      [201],
    );
    await expectStatus(
      h.call('PUT', collectionId('sourceRpcName'), {
        location: 'eastus',
        properties: { source: { id: vmId('myVM') } },
      }),
      [201],
    );
    await expectStatus(
      h.call('PUT', restorePointId('sourceRpcName', 'sourceRpName'), {
        properties: {
          excludeDisks: [{ id: `${computeBase}/disks/myVM-data1` }],
          consistencyMode: 'ApplicationConsistent',
        },
      }),
      [201],
    );
    await h.clock.advanceBy(10_000);
    await expectStatus(
      h.call('PUT', collectionId('rpcName'), {
        location: 'westus',
        properties: { source: { id: collectionId('sourceRpcName') } },
      }),
      [201],
    );
  }

  it('the fixture folder holds exactly the examples this suite covers', () => {
    expect(readdirSync(join(FIXTURES_DIR, '2026-04-01')).sort()).toEqual([
      'ComputeRP.restorePoints.extract.json',
      'RestorePointCollection_CreateOrUpdate.json',
      'RestorePointCollection_CreateOrUpdate_ForCrossRegionCopy.json',
      'RestorePointCollection_Delete_MinimumSet_Gen.json',
      'RestorePoint_Copy_BetweenRegions.json',
      'RestorePoint_Delete_MinimumSet_Gen.json',
      'RestorePoint_Get.json',
    ]);
  });

  it('the strict schema accepts the upstream examples, except their one documented quirk', () => {
    const answers: [definition: string, path: string, status: string][] = [
      ['RestorePointCollection', '2026-04-01/RestorePointCollection_CreateOrUpdate.json', '201'],
      ['RestorePoint', '2026-04-01/RestorePoint_Copy_BetweenRegions.json', '201'],
      ['RestorePoint', '2026-04-01/RestorePoint_Get.json', '200'],
      ['RestorePoint', '2025-11-01/RestorePoint_Get_WithInstanceView.json', '200'],
    ];
    for (const [definition, path, status] of answers) {
      expect(schemaErrors(definition, example(path).responses[status]?.body)).toEqual([]);
    }
    // Quirk: instantAccessStatus is not a RestorePointProperties property in 2026-04-01.
    const contained = example('2025-11-01/RestorePointCollection_Get_WithContainedRestorePoints.json')
      .responses['200']?.body;
    expect(schemaErrors('RestorePointCollection', contained)).toEqual([
      '/properties/restorePoints/0/properties must NOT have additional properties {"additionalProperty":"instantAccessStatus"}',
    ]);
  });

  /**
   * PUTs a collection twice, creating it through `createId` and updating it through `updateId`, and checks
   * that the answers are 201 then 200, each valid against the schema and with every key of the example's
   * answer for that status.
   */
  async function expectCollectionCreateThenUpdate(
    ex: Example,
    body: unknown,
    createId: string,
    updateId: string,
  ): Promise<[RawResponse, RawResponse]> {
    const created = await h.call('PUT', createId, body);
    const updated = await h.call('PUT', updateId, body);
    expect([created.status, updated.status]).toEqual([201, 200]);
    for (const [response, code] of [
      [created, '201'],
      [updated, '200'],
    ] as const) {
      expect(schemaErrors('RestorePointCollection', response.body)).toEqual([]);
      expect(missingFrom(response.body, ex.responses[code]?.body)).toEqual([]);
    }
    return [created, updated];
  }

  it('RestorePointCollection_CreateOrUpdate: 201 on create, 200 on update, same shape', async () => {
    const ex = example('2026-04-01/RestorePointCollection_CreateOrUpdate.json');
    await expectStatus(h.call('PUT', vmId('myVM'), vmBody('myVM', { location: 'eastus' })), [201]);
    const request = ex.parameters.parameters as { properties: Record<string, unknown> };
    const body = { ...request, properties: { ...request.properties, source: { id: vmId('myVM') } } };
    const [created] = await expectCollectionCreateThenUpdate(
      ex,
      body,
      collectionId('myRpc'),
      collectionId('myRpc'),
    );
    expect(created.body).toEqual({
      name: 'myRpc',
      id: collectionId('myRpc'),
      type: 'Microsoft.Compute/restorePointCollections',
      location: 'norwayeast',
      tags: { myTag1: 'tagValue1' },
      properties: {
        source: { id: vmId('myVM'), location: 'eastus' },
        instantAccess: true,
        restorePointCollectionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        provisioningState: 'Succeeded',
      },
    });
  });

  it('RestorePointCollection_CreateOrUpdate_ForCrossRegionCopy: echoes the source collection and its region', async () => {
    const ex = example('2026-04-01/RestorePointCollection_CreateOrUpdate_ForCrossRegionCopy.json');
    await seedSource();
    const request = ex.parameters.parameters as Record<string, unknown>;
    const body = { ...request, properties: { source: { id: collectionId('sourceRpcName') } } };
    const responses = await expectCollectionCreateThenUpdate(
      ex,
      body,
      collectionId('myRpc'),
      collectionId('MYRPC'),
    );
    for (const response of responses) {
      expect(response.body).toMatchObject({
        location: 'norwayeast',
        properties: { source: { id: collectionId('sourceRpcName'), location: 'eastus' } },
      });
    }
  });

  it('RestorePoint_Copy_BetweenRegions: 201 Creating with LRO headers and the example shape', async () => {
    const ex = example('2026-04-01/RestorePoint_Copy_BetweenRegions.json');
    await seedSource();
    const response = await h.call('PUT', restorePointId('rpcName', 'rpName'), {
      properties: { sourceRestorePoint: { id: restorePointId('sourceRpcName', 'sourceRpName') } },
    });
    expect(response.status).toBe(201);
    expect(schemaErrors('RestorePoint', response.body)).toEqual([]);
    expect(missingFrom(response.body, ex.responses['201']?.body)).toEqual(
      [...NOT_MODELLED, 'properties.sourceMetadata.userData']
        .filter((p) => p !== 'properties.instantAccessDurationMinutes')
        .sort(),
    );
    expect(response.body).toMatchObject({
      properties: {
        provisioningState: 'Creating',
        consistencyMode: 'ApplicationConsistent',
        sourceRestorePoint: { id: restorePointId('sourceRpcName', 'sourceRpName') },
      },
    });
    assertLroHeaders(response);
  });

  it('RestorePoint_Get and RestorePoint_Get_WithInstanceView: source and finished copy', async () => {
    await seedSource();
    const got = await h.call('GET', restorePointId('sourceRpcName', 'sourceRpName'));
    expect(got.status).toBe(200);
    expect(schemaErrors('RestorePoint', got.body)).toEqual([]);
    expect(missingFrom(got.body, example('2026-04-01/RestorePoint_Get.json').responses['200']?.body)).toEqual(
      NOT_MODELLED,
    );

    await expectStatus(
      h.call('PUT', restorePointId('rpcName', 'rpName'), {
        properties: { sourceRestorePoint: { id: restorePointId('sourceRpcName', 'sourceRpName') } },
      }),
      [201],
    );
    await h.clock.advanceBy(24 * 3_600_000);
    const viewed = await h.call('GET', `${restorePointId('rpcName', 'rpName')}?$expand=instanceView`);
    expect(viewed.status).toBe(200);
    expect(schemaErrors('RestorePoint', viewed.body)).toEqual([]);
    const ex = example('2025-11-01/RestorePoint_Get_WithInstanceView.json').responses['200']?.body;
    expect(missingFrom(viewed.body, ex)).toEqual(NOT_MODELLED);
    const body = viewed.body as { properties: { instanceView: unknown } };
    expect(body.properties.instanceView).toEqual({
      diskRestorePoints: [
        {
          id: expect.stringContaining(`${restorePointId('rpcName', 'rpName')}/diskRestorePoints/myVM-os_`),
          snapshotAccessState: 'Available',
          replicationStatus: {
            status: { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' },
            completionPercent: 100,
          },
        },
        {
          id: expect.stringContaining(`${restorePointId('rpcName', 'rpName')}/diskRestorePoints/myVM-data0_`),
          snapshotAccessState: 'Available',
          replicationStatus: {
            status: { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' },
            completionPercent: 100,
          },
        },
      ],
      statuses: [
        {
          code: 'ReplicationState/succeeded',
          level: 'Info',
          displayStatus: 'Succeeded',
          time: expect.any(String),
        },
      ],
    });
  });

  it('RestorePointCollection_Get_WithContainedRestorePoints: $expand=restorePoints lists them', async () => {
    await seedSource();
    const response = await h.call('GET', `${collectionId('sourceRpcName')}?$expand=restorePoints`);
    expect(response.status).toBe(200);
    expect(schemaErrors('RestorePointCollection', response.body)).toEqual([]);
    const ex = example('2025-11-01/RestorePointCollection_Get_WithContainedRestorePoints.json').responses[
      '200'
    ]?.body;
    const prefixed = NOT_MODELLED.map((p) =>
      p.replace(/^properties\./, 'properties.restorePoints[].properties.'),
    );
    expect(missingFrom(response.body, ex)).toEqual(
      [
        ...prefixed,
        // The quirk: not a 2026-04-01 property, so the simulator does not return it.
        'properties.restorePoints[].properties.instantAccessStatus',
        // The example's collection has instantAccess set; this one was created without it.
        'properties.instantAccess',
        'tags',
        'tags.myTag1',
      ].sort(),
    );
  });

  it('RestorePoint_Delete and RestorePointCollection_Delete: 202 with Location, then 204 once gone', async () => {
    const rpExample = example('2026-04-01/RestorePoint_Delete_MinimumSet_Gen.json');
    const rpcExample = example('2026-04-01/RestorePointCollection_Delete_MinimumSet_Gen.json');
    expect(Object.keys(rpExample.responses)).toEqual(['200', '202', '204']);
    expect(Object.keys(rpcExample.responses)).toEqual(['200', '202', '204']);
    await seedSource();
    const rpDelete = await h.call('DELETE', restorePointId('sourceRpcName', 'sourceRpName'));
    expect(rpDelete.status).toBe(202);
    expect(rpDelete.body).toBeUndefined();
    assertLroHeaders(rpDelete);
    const rpcDelete = await h.call('DELETE', collectionId('rpcName'));
    expect(rpcDelete.status).toBe(202);
    assertLroHeaders(rpcDelete);
    await h.clock.advanceBy(10_000);
    expect((await h.call('DELETE', restorePointId('sourceRpcName', 'sourceRpName'))).status).toBe(204);
    expect((await h.call('DELETE', collectionId('rpcName'))).status).toBe(204);
  });

  function assertLroHeaders(response: RawResponse): void {
    const asyncUrl = response.headers.get('azure-asyncoperation') ?? '';
    const location = response.headers.get('location') ?? '';
    const origin = h.sim.endpoint;
    expect(asyncUrl).toMatch(
      new RegExp(
        `^${origin}/subscriptions/[^/]+/providers/Microsoft\\.Compute/locations/[a-z0-9]+/operations/[0-9a-f-]{36}\\?api-version=2026-04-01$`,
      ),
    );
    expect(location).toBe(asyncUrl.replace('?api-version', '?monitor=true&api-version'));
    expect(response.headers.get('retry-after')).toBe('0');
  }
});
