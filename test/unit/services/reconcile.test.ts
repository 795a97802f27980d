import type { DurableClient } from 'durable-functions';
import { describe, expect, it } from 'vitest';

import type { Runtime } from '../../../src/compositionRoot';
import { loadConfig } from '../../../src/config';
import { collectionOf, formatCollectionId } from '../../../src/domain/armIds';
import type { CopyOrchestrationInput } from '../../../src/domain/copyContracts';
import { copyIdFor } from '../../../src/copyId';
import type { RestorePointView } from '../../../src/domain/restorePoints';
import { reconcile } from '../../../src/services/reconcile';
import { InMemoryCompute } from '../../support/inMemoryCompute';

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

/** The narrowest seam of the durable client that starting copies uses: status lookups and starts. */
class RecordingDurableClient {
  readonly started: CopyOrchestrationInput[] = [];
  getStatus(id: string): Promise<unknown> {
    const input = this.started.find((entry) => entry.copyId === id);
    if (input === undefined) {
      return Promise.reject(
        new Error(`DurableClient error: Durable Functions extension replied with HTTP 404 response. ${id}`),
      );
    }
    return Promise.resolve({ name: 'copyRestorePointOrchestrator', runtimeStatus: 'Pending', input });
  }
  startNew(_name: string, options: { instanceId: string; input: CopyOrchestrationInput }): Promise<string> {
    this.started.push(options.input);
    return Promise.resolve(options.instanceId);
  }
}

function setup(): { compute: InMemoryCompute; client: RecordingDurableClient; runtime: Runtime } {
  const compute = new InMemoryCompute();
  const config = loadConfig({
    RPCOPY_ALLOWED_SUBSCRIPTIONS: SUB,
    RPCOPY_POLICY: JSON.stringify([
      { scope: `/subscriptions/${SUB}`, targetRegions: ['westus2', 'centralus'] },
    ]),
  });
  const runtime = { config, compute } as unknown as Runtime;
  return { compute, client: new RecordingDurableClient(), runtime };
}

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

describe('reconcile', () => {
  it('starts only what can still be copied: newer than the newest copy, or only the newest when nothing is copied', async () => {
    // Prepare
    const { compute, client, runtime } = setup();
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
    const summary = await reconcile(
      client as unknown as DurableClient,
      runtime,
      quiet,
      new Date(Date.UTC(2026, 0, 2)),
    );

    // Assess
    const started = client.started.map(
      (input) => `${input.sourceRestorePointId.split('/').at(-1) ?? ''}→${input.targetRegion}`,
    );
    expect(started).toEqual(['rp3→westus2', 'rp4→westus2', 'rp4→centralus']);
    expect(summary).toEqual({
      collections: 1,
      started: [
        copyIdFor(`${collection('src')}/restorePoints/rp3`, 'westus2'),
        copyIdFor(`${collection('src')}/restorePoints/rp4`, 'westus2'),
        copyIdFor(`${collection('src')}/restorePoints/rp4`, 'centralus'),
      ],
      failures: [],
    });
    expect(client.started.every((input) => input.requestedBy === 'reconcile')).toBe(true);
  });

  it('leaves alone what already has a copy instance, collections of copies, and disabled collections', async () => {
    // Prepare
    const { compute, client, runtime } = setup();
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
    await reconcile(client as unknown as DurableClient, runtime, quiet, new Date());
    const firstSweep = client.started.length;

    // Act
    const summary = await reconcile(client as unknown as DurableClient, runtime, quiet, new Date());

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
