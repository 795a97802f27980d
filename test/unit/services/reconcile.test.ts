import { describe, expect, it } from 'vitest';

import { loadConfig } from '../../../src/config';
import { collectionOf, formatCollectionId } from '../../../src/domain/armIds';
import type { CopyDocument } from '../../../src/domain/copyDocument';
import { createCopyDocument } from '../../../src/domain/copyDocument';
import { copyIdFor } from '../../../src/copyId';
import { reconcileTimeOfDay } from '../../../src/domain/reconcileTurn';
import type { RestorePointView } from '../../../src/domain/restorePoints';
import type { ReconcileDeps } from '../../../src/services/reconcile';
import { reconcile } from '../../../src/services/reconcile';
import { InMemoryCompute } from '../../support/inMemoryCompute';
import { RecordingDurableClient } from '../../support/recordingDurableClient';

const SUB = '00000000-0000-0000-0000-00000000c0de';
const HOUR = 3_600_000;
const group = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute`;
const collection = (name: string): string => `${group}/restorePointCollections/${name}`;
const rp = (coll: string, name: string, hour: number, source?: string): RestorePointView => ({
  id: `${collection(coll)}/restorePoints/${name}`,
  name,
  provisioningState: 'Succeeded',
  timeCreated: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(),
  ...(source === undefined ? {} : { sourceRestorePointId: source }),
});

/** vm1's own collection, `src` in eastus, untagged, holding `restorePoints`. */
const sourceCollection = (restorePoints: RestorePointView[]) => ({
  id: collection('src'),
  name: 'src',
  location: 'eastus',
  tags: {},
  sourceId: `${group}/virtualMachines/vm1`,
  restorePoints,
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
    compute.addCollection(
      sourceCollection([rp('src', 'rp1', 1), rp('src', 'rp2', 2), rp('src', 'rp3', 3), rp('src', 'rp4', 4)]),
    );
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
      notDue: 0,
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
    compute.addCollection(sourceCollection([rp('src', 'rp1', 1)]));
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

  /** A source collection with rp0, rp1 and rp2, and a target per region holding copies of `copied[region]`. */
  function seedPair(compute: InMemoryCompute, copied: Record<'westus2' | 'centralus', string[]>): void {
    const hours: Record<string, number> = { rp0: 0, rp1: 1, rp2: 2 };
    compute.addCollection(
      sourceCollection(['rp0', 'rp1', 'rp2'].map((name) => rp('src', name, hours[name] ?? 0))),
    );
    for (const region of ['westus2', 'centralus'] as const) {
      compute.addCollection({
        id: collection(`src-${region}`),
        name: `src-${region}`,
        location: region,
        tags: { 'rpcopy-targets': 'none' },
        sourceId: collection('src'),
        restorePoints: copied[region].map((name) =>
          rp(`src-${region}`, name, 10 + (hours[name] ?? 0), `${collection('src')}/restorePoints/${name}`),
        ),
      });
    }
  }

  const copyOf = (name: string, region: string, status: CopyDocument['status']): CopyDocument => ({
    ...createCopyDocument({
      id: copyIdFor(`${collection('src')}/restorePoints/${name}`, region),
      sourceRestorePointId: `${collection('src')}/restorePoints/${name}`,
      sourceCollectionId: collection('src'),
      targetRegion: region,
      requestedBy: 'event-grid',
      createdAt: '2026-01-01T02:00:00.000Z',
    }),
    status,
  });

  it('treats a restore point whose event was dropped alike in every region: no copy anywhere, one gap reported', async () => {
    // Prepare: rp0 copied everywhere; rp1's event was dropped; rp2's event started both regions, and only
    // westus2 has reached Azure yet (centralus is still queued).
    const { compute, client, deps } = setup();
    seedPair(compute, { westus2: ['rp0', 'rp2'], centralus: ['rp0'] });
    for (const copy of [copyOf('rp2', 'westus2', 'Replicating'), copyOf('rp2', 'centralus', 'Queued')]) {
      client.existing.set(copy.id, copy);
    }

    // Act
    const summary = await reconcile({ ...deps, now: new Date(Date.UTC(2026, 0, 2)) });

    // Assess
    expect(client.started).toEqual([]);
    expect(summary).toEqual({
      collections: 1,
      notDue: 0,
      started: [],
      gaps: [`${collection('src')}/restorePoints/rp1`],
      cleanedUp: [],
      failures: [],
    });
  });

  it('deletes the target an ended copy could not delete, at every sweep until it is gone', async () => {
    // Prepare: the rp2 copy to westus2 failed and its delete failed too; rp2's copy to centralus was canceled
    // and its target is being deleted already.
    const { compute, client, deps } = setup();
    seedPair(compute, { westus2: ['rp0', 'rp2'], centralus: ['rp0', 'rp2'] });
    const failed: CopyDocument = {
      ...copyOf('rp2', 'westus2', 'Failed'),
      cleanup: {
        status: 'pending',
        targetRestorePointId: `${collection('src-westus2')}/restorePoints/rp2`,
        message: 'Azure kept failing',
      },
    };
    const centralus = compute.collections.get(collection('src-centralus').toLowerCase());
    compute.addCollection({
      ...(centralus ?? { id: '', name: '', location: '', tags: {} }),
      restorePoints: (centralus?.restorePoints ?? []).map((view) =>
        view.name === 'rp2' ? { ...view, provisioningState: 'Deleting' } : view,
      ),
    });
    for (const copy of [
      failed,
      copyOf('rp2', 'centralus', 'Canceled'),
      copyOf('rp0', 'westus2', 'Succeeded'),
      copyOf('rp0', 'centralus', 'Succeeded'),
    ]) {
      client.existing.set(copy.id, copy);
    }

    // Act
    const first = await reconcile({ ...deps, now: new Date(Date.UTC(2026, 0, 2)) });
    const second = await reconcile({ ...deps, now: new Date(Date.UTC(2026, 0, 2, 1)) });

    // Assess
    expect(compute.deleted).toEqual([`${collection('src-westus2')}/restorePoints/rp2`]);
    expect([first.cleanedUp, second.cleanedUp]).toEqual([
      [`${collection('src-westus2')}/restorePoints/rp2`],
      [],
    ]);
    expect(client.started).toEqual([]);
  });

  it('reconciles a collection once a day: a sweep outside its time of day leaves it alone', async () => {
    // Prepare
    const { compute, client, deps } = setup();
    compute.addCollection(sourceCollection([rp('src', 'rp1', 1)]));
    const turn = Date.UTC(2026, 0, 2) + reconcileTimeOfDay(collection('src'));
    const sweep = (since: number, now: number) =>
      reconcile({ ...deps, since: new Date(since), now: new Date(now) });

    // Act
    const before = await sweep(turn - 2 * HOUR, turn - HOUR);
    const startedBefore = client.started.length;
    const during = await sweep(turn - HOUR, turn + 10 * 60_000);

    // Assess
    expect({ before, startedBefore }).toEqual({
      before: { collections: 0, notDue: 1, started: [], gaps: [], cleanedUp: [], failures: [] },
      startedBefore: 0,
    });
    expect(during).toEqual({
      collections: 1,
      notDue: 0,
      started: [
        copyIdFor(`${collection('src')}/restorePoints/rp1`, 'westus2'),
        copyIdFor(`${collection('src')}/restorePoints/rp1`, 'centralus'),
      ],
      gaps: [],
      cleanedUp: [],
      failures: [],
    });
  });
});
