import { afterEach, describe, expect, it } from 'vitest';

import { ArmComputeGateway } from '../../../src/azure/armComputeGateway';
import { createCredential } from '../../../src/azure/computeClient';
import type { RestorePointRef } from '../../../src/domain/armIds';
import { evaluateReplication } from '../../../src/domain/replication';
import type { FixtureArmServer } from '../../support/fixtureArmServer';
import { startFixtureArmServer } from '../../support/fixtureArmServer';
import { FIXTURE_SUBSCRIPTION, readExample } from '../../support/fixtures';

const base = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/myResourceGroup/providers/Microsoft.Compute`;
const rpRef: RestorePointRef = {
  subscriptionId: FIXTURE_SUBSCRIPTION,
  resourceGroup: 'myResourceGroup',
  collectionName: 'rpcName',
  restorePointName: 'rpName',
};
const desId = `${base}/diskEncryptionSets/myDes`;

interface ExampleDisk {
  managedDisk?: Record<string, unknown>;
  diskRestorePoint?: Record<string, unknown>;
}
interface ExampleBody {
  properties: { sourceMetadata: { storageProfile: { osDisk: ExampleDisk; dataDisks: ExampleDisk[] } } };
}

/** The official two-disk instance view example, with one change to its source disks. */
function exampleWith(change: (body: ExampleBody) => void): ExampleBody {
  const body = readExample('2025-11-01/RestorePoint_Get_WithInstanceView.json').responses['200']
    ?.body as ExampleBody;
  change(body);
  return body;
}

describe('a copy of a source with customer-managed keys, read with the real arm-compute client', () => {
  let server: FixtureArmServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([
    {
      why: 'its OS disk names a disk encryption set',
      body: () =>
        exampleWith((body) => {
          const osDisk = body.properties.sourceMetadata.storageProfile.osDisk;
          osDisk.managedDisk = { ...osDisk.managedDisk, diskEncryptionSet: { id: desId } };
        }),
    },
    {
      why: 'its data disk restore point is encrypted at rest with a customer key',
      body: () =>
        exampleWith((body) => {
          const [dataDisk] = body.properties.sourceMetadata.storageProfile.dataDisks;
          if (dataDisk !== undefined) {
            dataDisk.diskRestorePoint = {
              ...dataDisk.diskRestorePoint,
              encryption: { type: 'EncryptionAtRestWithCustomerKey', diskEncryptionSet: { id: desId } },
            };
          }
        }),
    },
  ])('is usable with a note to supply the key again when $why', async ({ body }) => {
    // Prepare
    server = await startFixtureArmServer({
      [`GET ${base}/restorePointCollections/rpcName/restorePoints/rpName`]: { status: 200, body: body() },
    });
    const connection = {
      endpoint: server.endpoint,
      caCertificatePem: server.caCertificatePem,
      credential: 'static' as const,
    };
    const gateway = new ArmComputeGateway(connection, createCredential(connection));

    // Act
    const view = await gateway.getRestorePoint(rpRef, { instanceView: true });
    const verdict = view === undefined ? undefined : evaluateReplication(view);

    // Assess
    const osDisk = `${base}/restorePointCollections/rpcName/restorePoints/rpName/diskRestorePoints/testingexcludedisk_OsDisk_1_74cdaedcea50483d9833c96adefa100f_22b4bdfe-6c54-4f72-84d8-85d8860f0c57`;
    const dataDisk = `/subscriptions/${FIXTURE_SUBSCRIPTION}/resourceGroups/userdata/providers/Microsoft.Compute/restorePointCollections/mynewrpc/restorePoints/restorepointtwo/diskRestorePoints/testingexcludedisk_DataDisk_1_68785190-1acb-4d5e-a8ae-705b45f3dca5`;
    expect(verdict).toEqual({
      state: 'succeeded',
      percent: 100,
      unknownCodes: [],
      disks: [
        { id: osDisk, status: 'Succeeded', percent: 100 },
        { id: dataDisk, status: 'Succeeded', percent: 100 },
      ],
      customerManagedKeyNote:
        'The source disks use a customer-managed key; the copy may be encrypted with a platform-managed key. Supply the disk encryption set again when you restore from this copy.',
    });
  });
});
