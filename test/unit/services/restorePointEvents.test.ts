import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config';
import { copyIdFor } from '../../../src/copyId';
import { handleArmEvent } from '../../../src/services/restorePointEvents';
import { InMemoryCompute } from '../../support/inMemoryCompute';
import { RecordingDurableClient } from '../../support/recordingDurableClient';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const OTHER = '99999999-0000-0000-0000-000000000000';
const group = (sub = SUB): string => `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute`;
const collection = (name: string, sub = SUB): string => `${group(sub)}/restorePointCollections/${name}`;
const rpId = (coll: string, name: string, sub = SUB): string =>
  `${collection(coll, sub)}/restorePoints/${name}`;

function writeEvent(resourceUri: string): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: 'e1',
    source: '/subscriptions/x/resourceGroups/rg',
    type: 'Microsoft.Resources.ResourceWriteSuccess',
    subject: resourceUri,
    data: {
      operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
      resourceUri,
      status: 'Succeeded',
    },
  };
}

function setup() {
  const compute = new InMemoryCompute();
  const add = (
    name: string,
    tags: Record<string, string>,
    sourceId: string,
    rps: { name: string; source?: string }[],
    sub = SUB,
  ): void =>
    compute.addCollection({
      id: collection(name, sub),
      name,
      location: 'eastus',
      tags,
      sourceId,
      restorePoints: rps.map((entry) => ({
        id: rpId(name, entry.name, sub),
        name: entry.name,
        provisioningState: 'Succeeded',
        timeCreated: '2026-01-01T00:00:00.000Z',
        ...(entry.source === undefined ? {} : { sourceRestorePointId: entry.source }),
      })),
    });
  add('src', {}, `${group()}/virtualMachines/vm1`, [{ name: 'rp1' }]);
  add('tagged', { 'rpcopy-targets': 'westus3' }, `${group()}/virtualMachines/vm2`, [{ name: 'rp1' }]);
  add('off', { 'rpcopy-targets': 'none' }, `${group()}/virtualMachines/vm3`, [{ name: 'rp1' }]);
  add('typo', { 'rpcopy-targets': 'westus9' }, `${group()}/virtualMachines/vm4`, [{ name: 'rp1' }]);
  add('src-westus2', { 'rpcopy-targets': 'none' }, collection('src'), [
    { name: 'rp1', source: rpId('src', 'rp1') },
  ]);
  add('src', {}, `${group(OTHER)}/virtualMachines/vm1`, [{ name: 'rp1' }], OTHER);
  const config = loadConfig({
    RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB,
    RPCOPY_POLICY: JSON.stringify([
      { scope: `/subscriptions/${SUB}`, targetRegions: ['westus2', 'centralus'] },
    ]),
  });
  return { client: new RecordingDurableClient(), config, compute };
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('handleArmEvent', () => {
  it.each([
    {
      why: 'a new source restore point starts one copy per policy region',
      uri: rpId('src', 'rp1'),
      expected: {
        kind: 'handled',
        started: ['westus2', 'centralus'].map((region) => copyIdFor(rpId('src', 'rp1'), region)),
        alreadyHandled: [],
      },
    },
    {
      why: 'the tag overrides the policy',
      uri: rpId('tagged', 'rp1'),
      expected: {
        kind: 'handled',
        started: [copyIdFor(rpId('tagged', 'rp1'), 'westus3')],
        alreadyHandled: [],
      },
    },
    { why: "rpcopy's own copy write is ignored", uri: rpId('src-westus2', 'rp1'), kind: 'copy-of-copy' },
    {
      why: 'a disabled collection',
      uri: rpId('off', 'rp1'),
      expected: { kind: 'no-targets', detail: 'disabled' },
    },
    {
      why: 'a tag with an unknown region',
      uri: rpId('typo', 'rp1'),
      expected: { kind: 'no-targets', detail: 'tag rpcopy-targets names unknown regions: westus9' },
    },
    { why: 'a restore point deleted since', uri: rpId('src', 'gone'), kind: 'not-found' },
    {
      why: 'a subscription outside the allow-list',
      uri: rpId('src', 'rp1', OTHER),
      expected: { kind: 'not-allowed', detail: OTHER },
    },
  ])('$why', async ({ uri, expected, kind }) => {
    // Prepare
    const { client, config, compute } = setup();

    // Act
    const outcome = await handleArmEvent(writeEvent(uri), {
      client,
      config,
      compute,
      log: quiet,
      now: new Date(),
    });

    // Assess
    if (expected !== undefined) {
      expect(outcome).toEqual(expected);
    } else {
      expect(outcome.kind).toBe(kind);
    }
    expect(client.started.length).toBe(
      expected !== undefined && 'started' in expected ? (expected.started?.length ?? 0) : 0,
    );
  });

  it('treats a second delivery of the same write as already handled', async () => {
    // Prepare
    const { client, config, compute } = setup();
    const event = writeEvent(rpId('src', 'rp1'));
    await handleArmEvent(event, { client, config, compute, log: quiet, now: new Date() });

    // Act
    const again = await handleArmEvent(
      { ...event, id: 'e2' },
      { client, config, compute, log: quiet, now: new Date() },
    );

    // Assess
    expect(again).toEqual({
      kind: 'handled',
      started: [],
      alreadyHandled: ['westus2', 'centralus'].map((region) => copyIdFor(rpId('src', 'rp1'), region)),
    });
    expect(client.started).toHaveLength(2);
  });
});
