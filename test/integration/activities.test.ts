import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ActivityContext, Activities } from '../../src/activities/createActivities';
import { createActivities } from '../../src/activities/createActivities';
import { ArmComputeGateway } from '../../src/azure/armComputeGateway';
import { createCredential } from '../../src/azure/computeClient';
import { EventGridEventPublisher } from '../../src/azure/eventPublisher';
import { createCopyDocument } from '../../src/domain/copyDocument';
import { evaluateReplication } from '../../src/domain/replication';
import type { SimHarness } from '../support/computeSim';
import {
  RESOURCE_GROUP,
  SUBSCRIPTION,
  collectionId,
  createSourceRestorePoint,
  restorePointId,
  seedSource,
  startSimHarness,
  vmId,
} from '../support/computeSim';
import type { EventSink } from '../support/eventSink';
import { startEventSink } from '../support/eventSink';

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The activities with the real arm-compute client (the app's own factory and adapter) against the Compute
 * simulator over loopback HTTPS, on a virtual clock.
 */
describe('activities against the Compute simulator', () => {
  let h: SimHarness;
  let sink: EventSink;
  let activities: Activities;
  const unused = (): Promise<never> => Promise.reject(new Error('these activities read no other copies'));
  const context: ActivityContext = { log: silent, copies: { read: unused, wake: unused } };

  beforeEach(async () => {
    h = await startSimHarness({ throughputMiBps: 1024 });
    sink = await startEventSink();
    activities = createActivities({
      compute: new ArmComputeGateway(h.connection, createCredential(h.connection)),
      events: new EventGridEventPublisher(sink.endpoint, { key: sink.key }),
      policy: { allowedSubscriptions: [SUBSCRIPTION], rules: [] },
      naming: {
        resourceGroup: '{sourceResourceGroup}',
        collection: '{sourceCollection}-{targetRegion}',
        restorePoint: '{sourceRestorePoint}',
      },
      eventGrid: { source: '/rpcopy', endpoint: sink.endpoint },
      now: () => new Date(h.clock.now()),
    });
    await seedSource(h, { diskSizesGB: [32, 64] });
  });

  afterEach(async () => {
    await h.close();
    await sink.close();
  });

  const target = (name: string, collection = 'src'): string => restorePointId(`${collection}-westus2`, name);

  async function startedCopy(name: string, collection = 'src', vm = 'vm1'): Promise<void> {
    await activities.ensureTargetCollection(
      {
        sourceCollectionId: collectionId(collection),
        sourceVmId: vmId(vm),
        targetCollectionId: collectionId(`${collection}-westus2`),
        targetRegion: 'westus2',
      },
      context,
    );
    await expect(
      activities.startRestorePointCopy(
        {
          sourceRestorePointId: restorePointId(collection, name),
          targetRestorePointId: target(name, collection),
        },
        context,
      ),
    ).resolves.toEqual({ kind: 'started' });
  }

  async function replicateFully(name: string, collection = 'src'): Promise<void> {
    for (let step = 0; step < 400; step++) {
      const progress = await activities.getCopyProgress(
        { targetRestorePointId: target(name, collection) },
        context,
      );
      if (progress.kind === 'found' && evaluateReplication(progress.restorePoint).state !== 'inProgress') {
        return;
      }
      await h.clock.advanceBy(300_000);
    }
    throw new Error(`copy of ${name} did not finish`);
  }

  it('resolves the source and names the target from the templates', async () => {
    // Prepare
    await createSourceRestorePoint(h, 'rp1');
    const source = await h.client.restorePoints.get(RESOURCE_GROUP, 'src', 'rp1');

    // Act
    const result = await activities.resolveCopySource(
      {
        copyId: 'c1',
        sourceRestorePointId: restorePointId('src', 'rp1'),
        targetRegion: 'westus2',
      },
      context,
    );

    // Assess
    expect(result).toEqual({
      kind: 'resolved',
      source: {
        restorePointId: restorePointId('src', 'rp1'),
        collectionId: collectionId('src'),
        region: 'eastus',
        createdAt: source.timeCreated?.toISOString(),
        vmId: vmId('vm1'),
      },
      targetCollectionId: collectionId('src-westus2'),
      targetRestorePointId: target('rp1'),
    });
  });

  it.each([
    {
      why: 'a missing source',
      name: 'nope',
      region: 'westus2',
      category: 'not-found',
      code: 'SourceNotFound',
    },
    { why: 'the source region', name: 'rp1', region: 'eastus', category: 'invalid', code: 'SameRegion' },
  ])('refuses $why as data', async ({ name, region, category, code }) => {
    // Prepare
    await createSourceRestorePoint(h, 'rp1');

    // Act
    const result = await activities.resolveCopySource(
      {
        copyId: 'c1',
        sourceRestorePointId: restorePointId('src', name),
        targetRegion: region,
      },
      context,
    );

    // Assess
    expect(result).toMatchObject({ kind: 'fail', error: { category, code } });
  });

  it('creates the target collection once, with lineage tags, then finds it ready', async () => {
    // Prepare
    const input = {
      sourceCollectionId: collectionId('src'),
      sourceVmId: vmId('vm1'),
      targetCollectionId: collectionId('src-westus2'),
      targetRegion: 'westus2',
    };

    // Act
    const first = await activities.ensureTargetCollection(input, context);
    const second = await activities.ensureTargetCollection(input, context);
    const created = await h.client.restorePointCollections.get(RESOURCE_GROUP, 'src-westus2');

    // Assess
    expect([first, second]).toEqual([
      { kind: 'ready', created: true },
      { kind: 'ready', created: false },
    ]);
    expect(created.location).toBe('westus2');
    expect(created.source?.id?.toLowerCase()).toBe(collectionId('src').toLowerCase());
    expect(created.tags).toEqual({
      'rpcopy-managed-by': 'rpcopy',
      'rpcopy-source-collection': collectionId('src'),
      'rpcopy-source-vm': vmId('vm1'),
      'rpcopy-targets': 'none',
    });
  });

  it('starts a copy, recognises its own retried request, and sees it replicate to a usable copy', async () => {
    // Prepare
    await createSourceRestorePoint(h, 'rp1');
    await startedCopy('rp1');

    // Act
    const retried = await activities.startRestorePointCopy(
      {
        sourceRestorePointId: restorePointId('src', 'rp1'),
        targetRestorePointId: target('rp1'),
      },
      context,
    );
    const early = await activities.getCopyProgress({ targetRestorePointId: target('rp1') }, context);
    await replicateFully('rp1');
    const done = await activities.getCopyProgress({ targetRestorePointId: target('rp1') }, context);

    // Assess
    expect(retried).toEqual({ kind: 'already-exists' });
    expect(early.kind === 'found' && evaluateReplication(early.restorePoint).state).toBe('inProgress');
    expect(done.kind === 'found' && evaluateReplication(done.restorePoint)).toMatchObject({
      state: 'succeeded',
      percent: 100,
      disks: [
        { status: 'Succeeded', percent: 100 },
        { status: 'Succeeded', percent: 100 },
      ],
    });
  });

  it('tells the turn: go, wait while the pair replicates, already copied, and out of order', async () => {
    // Prepare
    await createSourceRestorePoint(h, 'rp1');
    const rp1CreatedAt = new Date(h.clock.now() - 60_000).toISOString();
    await createSourceRestorePoint(h, 'rp2');
    const rp2CreatedAt = new Date(h.clock.now() - 60_000).toISOString();
    const turn = (name: string, createdAt: string) =>
      activities.checkCopyTurn(
        {
          copyId: `copy-${name}`,
          sourceRestorePointId: restorePointId('src', name),
          sourceCollectionId: collectionId('src'),
          sourceCreatedAt: createdAt,
          targetRegion: 'westus2',
          targetCollectionId: collectionId('src-westus2'),
        },
        context,
      );

    // Act
    const beforeAnything = await turn('rp2', rp2CreatedAt);
    await startedCopy('rp2');
    const whileReplicating = await turn('rp1', rp1CreatedAt);
    await replicateFully('rp2');
    const sameAgain = await turn('rp2', rp2CreatedAt);
    const older = await turn('rp1', rp1CreatedAt);

    // Assess
    expect(beforeAnything).toEqual({ kind: 'go' });
    expect(whileReplicating).toMatchObject({ kind: 'skip', reason: 'ordering' });
    expect(sameAgain).toEqual({ kind: 'already-copied', targetRestorePointId: target('rp2') });
    expect(older).toMatchObject({ kind: 'skip', reason: 'ordering' });
  });

  it('waits for a copy of the pair that is still replicating', async () => {
    // Prepare
    await createSourceRestorePoint(h, 'rp1');
    await startedCopy('rp1');
    await createSourceRestorePoint(h, 'rp2');

    // Act
    const result = await activities.checkCopyTurn(
      {
        copyId: 'copy-rp2',
        sourceRestorePointId: restorePointId('src', 'rp2'),
        sourceCollectionId: collectionId('src'),
        sourceCreatedAt: new Date(h.clock.now() - 60_000).toISOString(),
        targetRegion: 'westus2',
        targetCollectionId: collectionId('src-westus2'),
      },
      context,
    );

    // Assess
    expect(result).toEqual({ kind: 'wait', reason: 'target-replicating' });
  });

  it('returns a throttled copy request with its Retry-After (the fourth PUT within the hour)', async () => {
    // Prepare
    for (const name of ['rp1', 'rp2', 'rp3', 'rp4']) {
      await createSourceRestorePoint(h, name);
    }
    for (const name of ['rp1', 'rp2', 'rp3']) {
      await startedCopy(name);
      await replicateFully(name);
    }

    // Act
    const fourth = await activities.startRestorePointCopy(
      {
        sourceRestorePointId: restorePointId('src', 'rp4'),
        targetRestorePointId: target('rp4'),
      },
      context,
    );

    // Assess
    expect(fourth.kind).toBe('throttled');
    expect(fourth.kind === 'throttled' && fourth.retryAfterSeconds).toBeGreaterThan(0);
  });

  it('sees a failed disk as a failed copy and deletes the failed target', async () => {
    // Prepare
    await seedSource(h, { vm: 'big', collection: 'big', diskSizesGB: [512, 4096] });
    h.sim.setFaults([{ kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 20, disk: 1 } }]);
    await createSourceRestorePoint(h, 'rp1', 'big');
    await startedCopy('rp1', 'big', 'big');
    await replicateFully('rp1', 'big');
    const failed = { targetRestorePointId: target('rp1', 'big') };

    // Act
    const progress = await activities.getCopyProgress(failed, context);
    const deleted = await activities.deleteTargetRestorePoint(failed, context);
    await h.clock.advanceBy(60_000);
    const again = await activities.deleteTargetRestorePoint(failed, context);
    const gone = await activities.getCopyProgress(failed, context);

    // Assess
    const verdict = progress.kind === 'found' ? evaluateReplication(progress.restorePoint) : undefined;
    expect(verdict?.state).toBe('failed');
    expect(verdict?.disks[1]?.status).toBe('Failed');
    expect(verdict?.disks[1]?.percent).toBeLessThanOrEqual(20);
    expect([deleted, again, gone]).toEqual([
      { kind: 'deleted' },
      { kind: 'not-found' },
      { kind: 'not-found' },
    ]);
  });

  it('skips a copy of a copy', async () => {
    // Prepare
    await createSourceRestorePoint(h, 'rp1');
    await startedCopy('rp1');

    // Act
    const result = await activities.resolveCopySource(
      {
        copyId: 'c',
        sourceRestorePointId: target('rp1'),
        targetRegion: 'centralus',
      },
      context,
    );

    // Assess
    expect(result).toMatchObject({ kind: 'skip', reason: 'copy-of-copy' });
  });

  it('publishes a CloudEvent to the topic with a deterministic id', async () => {
    // Prepare
    const document = createCopyDocument({
      id: 'rpcopy-westus2-0123456789abcdef0123456789abcdef',
      sourceRestorePointId: restorePointId('src', 'rp1'),
      sourceCollectionId: collectionId('src'),
      targetRegion: 'westus2',
      requestedBy: 'http',
      createdAt: '2026-01-01T00:00:00.000Z',
    });

    // Act
    const result = await activities.publishCopyEvent({ type: 'RestorePointCopy.Started', document }, context);

    // Assess
    expect(result).toEqual({ published: true });
    expect(sink.batches[0]?.headers['content-type']).toBe(
      'application/cloudevents-batch+json; charset=utf-8',
    );
    expect(sink.events()).toEqual([
      {
        specversion: '1.0',
        id: 'rpcopy-westus2-0123456789abcdef0123456789abcdef:RestorePointCopy.Started',
        type: 'RestorePointCopy.Started',
        source: '/rpcopy',
        subject: restorePointId('src', 'rp1'),
        time: new Date(h.clock.now()).toISOString(),
        datacontenttype: 'application/json',
        data: document,
      },
    ]);
  });
});
