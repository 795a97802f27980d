import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config';
import { collectionOf, formatCollectionId } from '../../../src/domain/armIds';
import { copyIdFor } from '../../../src/domain/copyId';
import type { RestorePointView } from '../../../src/domain/restorePoints';
import type { ReconcileDeps } from '../../../src/services/reconcile';
import { reconcile } from '../../../src/services/reconcile';
import { InMemoryCompute } from '../../support/inMemoryCompute';
import { RecordingDurableClient } from '../../support/recordingDurableClient';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const group = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute`;
const collection = (name: string): string => `${group}/restorePointCollections/${name}`;
const rp = (coll: string, name: string, hour: number, source?: string): RestorePointView => ({
  id: `${collection(coll)}/restorePoints/${name}`,
  name,
  provisioningState: 'Succeeded',
  timeCreated: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(),
  ...(source === undefined ? {} : { sourceRestorePointId: source }),
});

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

function setup(): {
  compute: InMemoryCompute;
  client: RecordingDurableClient;
  deps: Omit<ReconcileDeps, 'now'>;
} {
  const compute = new InMemoryCompute();
  const config = loadConfig({
    RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB,
    RPCOPY_POLICY: JSON.stringify([
      { scope: `/subscriptions/${SUB}`, targetRegions: ['westus2', 'centralus'] },
    ]),
  });
  const client = new RecordingDurableClient();
  return { compute, client, deps: { client, config, compute, log: quiet } };
}

describe('reconcile', () => {
  it('starts what can still be copied in every region alike: what is newer than the newest copy anywhere', async () => {
    // Prepare
    const { compute, client, deps } = setup();
    compute.addCollection({
      id: collection('src'),
      name: 'src',
      location: 'eastus',
      tags: {},
      sourceId: `${group}/virtualMachines/vm1`,
      restorePoints: [rp('src', 'rp1', 1), rp('src', 'rp2', 2), rp('src', 'rp3', 3), rp('src', 'rp4', 4)],
    });
    compute.addCollection({
      id: collection('src-westus2'),
      name: 'src-westus2',
      location: 'westus2',
      tags: { 'rpcopy-targets': 'none' },
      sourceId: collection('src'),
      restorePoints: [rp('src-westus2', 'rp2', 5, `${collection('src')}/restorePoints/rp2`)],
    });

    // Act
    const summary = await reconcile({ ...deps, now: new Date(Date.UTC(2026, 0, 2)) });

    // Assess
    const started = client.started.map(
      (input) => `${input.sourceRestorePointId.split('/').at(-1) ?? ''}→${input.targetRegion}`,
    );
    expect(started).toEqual(['rp3→westus2', 'rp4→westus2', 'rp3→centralus', 'rp4→centralus']);
    expect(summary).toEqual({
      collections: 1,
      started: [
        copyIdFor(`${collection('src')}/restorePoints/rp3`, 'westus2'),
        copyIdFor(`${collection('src')}/restorePoints/rp4`, 'westus2'),
        copyIdFor(`${collection('src')}/restorePoints/rp3`, 'centralus'),
        copyIdFor(`${collection('src')}/restorePoints/rp4`, 'centralus'),
      ],
      gaps: [],
      cleanedUp: [],
      failures: [],
    });
    expect(client.started.every((input) => input.requestedBy === 'reconcile')).toBe(true);
  });

  it('leaves alone what already has a copy instance, collections of copies, and disabled collections', async () => {
    // Prepare
    const { compute, client, deps } = setup();
    compute.addCollection({
      id: collection('src'),
      name: 'src',
      location: 'eastus',
      tags: {},
      sourceId: `${group}/virtualMachines/vm1`,
      restorePoints: [rp('src', 'rp1', 1)],
    });
    compute.addCollection({
      id: collection('off'),
      name: 'off',
      location: 'eastus',
      tags: { 'RPCOPY-TARGETS': 'None' },
      restorePoints: [rp('off', 'x', 1)],
    });
    compute.addCollection({
      id: collection('copies'),
      name: 'copies',
      location: 'westus2',
      tags: {},
      sourceId: collection('elsewhere'),
      restorePoints: [rp('copies', 'c1', 1, `${collection('elsewhere')}/restorePoints/c1`)],
    });
    await reconcile({ ...deps, now: new Date() });
    const firstSweep = client.started.length;

    // Act
    const summary = await reconcile({ ...deps, now: new Date() });

    // Assess
    expect(firstSweep).toBe(2);
    expect(summary.started).toEqual([]);
    expect(client.started.map((input) => input.sourceCollectionId)).toEqual([
      formatCollectionId(
        collectionOf({
          subscriptionId: SUB,
          resourceGroup: 'rg',
          collectionName: 'src',
          restorePointName: 'rp1',
        }),
      ),
      collection('src'),
    ]);
  });
});
