import { afterEach, describe, expect, it } from 'vitest';

import { ArmComputeGateway } from '../../../src/azure/armComputeGateway';
import { createCredential } from '../../../src/azure/computeClient';
import type { RestorePointRef } from '../../../src/domain/armIds';
import { evaluateReplication } from '../../../src/domain/replication';
import { AzureRequestError } from '../../../src/errors';
import type { FixtureArmServer, ScriptedResponse } from '../../support/fixtureArmServer';
import { startFixtureArmServer } from '../../support/fixtureArmServer';
import { FIXTURE_SUBSCRIPTION, readExample } from '../../support/fixtures';

const base = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/myResourceGroup/providers/Microsoft.Compute`;
const rpRef: RestorePointRef = {
  subscriptionId: FIXTURE_SUBSCRIPTION,
  resourceGroup: 'myResourceGroup',
  collectionName: 'rpcName',
  restorePointName: 'rpName',
};

function example(file: string, status: string): ScriptedResponse {
  const response = readExample(file).responses[status];
  return { status: Number(status), body: response?.body };
}

describe('ArmComputeGateway over the real arm-compute client, answering with the official examples', () => {
  let server: FixtureArmServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function gatewayFor(
    script: Record<string, ScriptedResponse | ScriptedResponse[]>,
  ): Promise<ArmComputeGateway> {
    server = await startFixtureArmServer(script);
    const connection = {
      endpoint: server.endpoint,
      caCertificatePem: server.caCertificatePem,
      credential: 'static' as const,
    };
    return new ArmComputeGateway(connection, createCredential(connection));
  }

  it('reads the two-disk instance view example and judges the copy usable', async () => {
    // Prepare
    const gateway = await gatewayFor({
      [`GET ${base}/restorePointCollections/rpcName/restorePoints/rpName`]: example(
        '2025-11-01/RestorePoint_Get_WithInstanceView.json',
        '200',
      ),
    });

    // Act
    const view = await gateway.getRestorePoint(rpRef, { instanceView: true });
    const verdict = view === undefined ? undefined : evaluateReplication(view);

    // Assess
    const osDisk = `${base}/restorePointCollections/rpcName/restorePoints/rpName/diskRestorePoints/testingexcludedisk_OsDisk_1_74cdaedcea50483d9833c96adefa100f_22b4bdfe-6c54-4f72-84d8-85d8860f0c57`;
    const dataDisk = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/userdata/providers/Microsoft.Compute/restorePointCollections/mynewrpc/restorePoints/restorepointtwo/diskRestorePoints/testingexcludedisk_DataDisk_1_68785190-1acb-4d5e-a8ae-705b45f3dca5`;
    expect(server?.requests).toEqual([
      `GET ${base}/restorePointCollections/rpcName/restorePoints/rpName?api-version=2026-04-01&%24expand=instanceView`,
    ]);
    expect(view).toEqual({
      id: `${base}/restorePointCollections/rpcName/restorePoints/rpName`,
      name: 'rpName',
      provisioningState: 'Succeeded',
      timeCreated: '2021-01-27T20:35:05.840Z',
      sourceDisks: [
        {
          name: 'testingexcludedisk_OsDisk_1_74cdaedcea50483d9833c96adefa100f',
          usesDiskEncryptionSet: false,
        },
        { name: 'testingexcludedisk_DataDisk_1', usesDiskEncryptionSet: false },
      ],
      sourceLocation: 'westus',
      instanceView: {
        statuses: [{ code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' }],
        disks: [
          {
            id: osDisk,
            status: { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' },
            completionPercent: 100,
          },
          {
            id: dataDisk,
            status: { code: 'ReplicationState/succeeded', level: 'Info', displayStatus: 'Succeeded' },
            completionPercent: 100,
          },
        ],
      },
    });
    expect(verdict).toEqual({
      state: 'succeeded',
      percent: 100,
      unknownCodes: [],
      disks: [
        { id: osDisk, status: 'Succeeded', percent: 100 },
        { id: dataDisk, status: 'Succeeded', percent: 100 },
      ],
    });
  });

  it('reads the plain restore point example: no instance view yet, so still in progress', async () => {
    // Prepare
    const gateway = await gatewayFor({
      [`GET ${base}/restorePointCollections/rpcName/restorePoints/rpName`]: example(
        '2026-04-01/RestorePoint_Get.json',
        '200',
      ),
    });

    // Act
    const view = await gateway.getRestorePoint(rpRef);

    // Assess
    expect(view?.instanceView).toBeUndefined();
    expect(view === undefined ? undefined : evaluateReplication(view)).toEqual({
      state: 'inProgress',
      percent: 0,
      unknownCodes: [],
      disks: [],
    });
  });

  it('reads a collection with its restore points', async () => {
    // Prepare
    const gateway = await gatewayFor({
      [`GET ${base}/restorePointCollections/rpcName`]: example(
        '2025-11-01/RestorePointCollection_Get_WithContainedRestorePoints.json',
        '200',
      ),
    });

    // Act
    const collection = await gateway.getRestorePointCollection(
      { subscriptionId: FIXTURE_SUBSCRIPTION, resourceGroup: 'myResourceGroup', collectionName: 'rpcName' },
      { restorePoints: true },
    );

    // Assess
    expect(collection).toEqual({
      id: `${base}/restorePointCollections/rpcName`,
      name: 'rpcName',
      location: 'westus',
      tags: { myTag1: 'tagValue1' },
      sourceId: `${base}/virtualMachines/myVM`,
      sourceLocation: 'eastus',
      restorePoints: [
        {
          id: `${base}/restorePointCollections/rpcName/restorePoints/restorePointName`,
          name: 'restorePointName',
          provisioningState: 'Succeeded',
          timeCreated: '2021-01-27T20:35:05.840Z',
          sourceDisks: [
            {
              name: 'testingexcludedisk_OsDisk_1_74cdaedcea50483d9833c96adefa100f',
              usesDiskEncryptionSet: false,
            },
            { name: 'testingexcludedisk_DataDisk_1', usesDiskEncryptionSet: false },
          ],
          sourceLocation: 'westus',
        },
      ],
    });
  });

  it.each([
    { status: '201', created: true },
    { status: '200', created: false },
  ])(
    'creates the target collection for a cross-region copy (HTTP $status → created $created)',
    async ({ status, created }) => {
      // Prepare
      const gateway = await gatewayFor({
        [`PUT ${base}/restorePointCollections/myRpc`]: example(
          '2026-04-01/RestorePointCollection_CreateOrUpdate_ForCrossRegionCopy.json',
          status,
        ),
      });

      // Act
      const result = await gateway.createOrUpdateRestorePointCollection(
        { subscriptionId: FIXTURE_SUBSCRIPTION, resourceGroup: 'myResourceGroup', collectionName: 'myRpc' },
        {
          location: 'norwayeast',
          sourceId: `${base}/restorePointCollections/sourceRpcName`,
          tags: { myTag1: 'tagValue1' },
        },
      );

      // Assess
      expect(result.created).toBe(created);
      expect(result.collection.location).toBe('norwayeast');
    },
  );

  it('sends the copy request and returns as soon as Azure accepted it, without polling', async () => {
    // Prepare
    const copy = example('2026-04-01/RestorePoint_Copy_BetweenRegions.json', '201');
    const gateway = await gatewayFor({
      [`PUT ${base}/restorePointCollections/rpcName/restorePoints/rpName`]: {
        ...copy,
        headers: { location: 'https://127.0.0.1:1/never-polled', 'retry-after': '10' },
      },
    });

    // Act
    await gateway.beginCopyRestorePoint(
      rpRef,
      `${base}/restorePointCollections/sourceRpcName/restorePoints/sourceRpName`,
    );

    // Assess
    expect(server?.requests).toEqual([
      `PUT ${base}/restorePointCollections/rpcName/restorePoints/rpName?api-version=2026-04-01`,
    ]);
  });

  it('reports a throttled copy request with its Retry-After instead of sleeping', async () => {
    // Prepare
    const gateway = await gatewayFor({
      [`PUT ${base}/restorePointCollections/rpcName/restorePoints/rpName`]: {
        status: 429,
        headers: { 'retry-after': '1200' },
        body: {
          error: {
            code: 'OperationNotAllowed',
            message: 'The server rejected the request because too many requests have been received.',
            details: [{ code: 'TooManyRequests', target: 'RestorePointCopyPolicy' }],
          },
        },
      },
    });

    // Act
    const attempt = gateway.beginCopyRestorePoint(
      rpRef,
      `${base}/restorePointCollections/src/restorePoints/rp1`,
    );

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AzureRequestError);
    await expect(attempt).rejects.toMatchObject({
      statusCode: 429,
      code: 'OperationNotAllowed',
      retryAfterSeconds: 1200,
    });
    expect(server?.requests).toHaveLength(1);
  });

  it('returns undefined for a restore point that does not exist', async () => {
    // Prepare
    const gateway = await gatewayFor({});

    // Act
    const view = await gateway.getRestorePoint(rpRef);

    // Assess
    expect(view).toBeUndefined();
  });
});
