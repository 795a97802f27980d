import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { ActivityContext, Activities } from '../../src/activities/createActivities';
import { createActivities } from '../../src/activities/createActivities';
import { ArmComputeGateway } from '../../src/azure/armComputeGateway';
import { createCredential } from '../../src/azure/computeClient';
import { EventGridEventPublisher } from '../../src/azure/eventPublisher';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import { createCopyDocument } from '../../src/domain/copyDocument';
import { getProtectionHandler, listProtectionHandler } from '../../src/http/protectionApi';
import { pairIdFor } from '../../src/pairId';
import type { SweepDeps } from '../../src/services/protectionSweep';
import { BREACH_TAG, sweepProtection } from '../../src/services/protectionSweep';
import type { SimHarness } from '../support/computeSim';
import {
  RESOURCE_GROUP,
  START,
  SUBSCRIPTION,
  collectionId,
  createSourceRestorePoint,
  restorePointId,
  seedSource,
  startSimHarness,
} from '../support/computeSim';
import type { EventSink } from '../support/eventSink';
import { startEventSink } from '../support/eventSink';

const HOUR = 3_600_000;
const logs: string[] = [];
const log = {
  info: (message: unknown) => logs.push(`info ${String(message)}`),
  warn: (message: unknown) => logs.push(`warn ${String(message)}`),
  error: (message: unknown) => logs.push(`error ${String(message)}`),
};
const naming = {
  resourceGroup: '{sourceResourceGroup}',
  collection: '{sourceCollection}-{targetRegion}',
  restorePoint: '{sourceRestorePoint}',
};

/**
 * The protection services (facts, view, sweep, retention, HTTP handlers) in-process, with the real arm-compute
 * client against the Compute simulator and a real Event Grid sink. Copy instances are point reads, served here
 * from the documents the test puts in a map (the dev-host tests cover the durable side).
 */
describe('protection services against the Compute simulator', () => {
  let h: SimHarness;
  let sink: EventSink;
  let activities: Activities;
  let compute: ArmComputeGateway;
  let documents: Map<string, CopyDocument>;
  let deps: SweepDeps;

  beforeEach(async () => {
    logs.length = 0;
    h = await startSimHarness({ throughputMiBps: 1024 });
    sink = await startEventSink();
    compute = new ArmComputeGateway(h.connection, createCredential(h.connection));
    const events = new EventGridEventPublisher(sink.endpoint, { key: sink.key });
    const policy = {
      allowedSubscriptions: [SUBSCRIPTION],
      rules: [
        {
          subscriptionId: SUBSCRIPTION,
          targetRegions: ['westus2'],
          rpoHours: 12,
          retention: { keepLast: 2 },
        },
      ],
    };
    activities = createActivities({
      compute,
      events,
      policy,
      naming,
      eventGrid: { source: '/rpcopy', endpoint: sink.endpoint },
      now: () => new Date(h.clock.now()),
    });
    documents = new Map();
    deps = {
      compute,
      copies: { getCopy: (id) => Promise.resolve(documents.get(id)) },
      policy,
      naming,
      protection: { defaultRpoHours: 24, atRiskPercent: 75, retentionDryRun: false },
      events,
      eventSource: '/rpcopy',
      now: () => compute.serverNow() ?? new Date(0),
    };
    await seedSource(h, { diskSizesGB: [8] });
  });

  afterEach(async () => {
    await h.close();
    await sink.close();
  });

  /** These two activities neither log on the happy path nor read other copies. */
  const unused = (): Promise<never> => Promise.reject(new Error('these activities read no other copies'));
  const activityContext: ActivityContext = {
    log: new InvocationContext(),
    copies: { read: unused, wake: unused },
  };

  /** Creates a source restore point at `hours` and copies it to westus2 the way the orchestration does. */
  async function copied(name: string, hours: number): Promise<void> {
    await h.clock.advanceTo(START + hours * HOUR);
    const source = await createSourceRestorePoint(h, name);
    await activities.ensureTargetCollection(
      {
        sourceCollectionId: collectionId('src'),
        targetCollectionId: collectionId('src-westus2'),
        targetRegion: 'westus2',
      },
      activityContext,
    );
    expect(
      await activities.startRestorePointCopy(
        {
          sourceRestorePointId: source,
          targetRestorePointId: restorePointId('src-westus2', name),
        },
        activityContext,
      ),
    ).toEqual({ kind: 'started' });
    await h.clock.advanceBy(HOUR);
  }

  const types = (): unknown[] => sink.events().map((event) => event.type);

  it('announces a breach once and its end once, keeping the memory in a target collection tag', async () => {
    // Prepare
    await copied('rp0', 0);
    await copied('rp4', 4);

    // Act
    await sweepProtection(deps, false, log);
    const quiet = types();
    await h.clock.advanceTo(START + 20 * HOUR);
    await sweepProtection(deps, false, log);
    await sweepProtection(deps, false, log);
    const tagged = (
      await compute.getRestorePointCollection({
        subscriptionId: SUBSCRIPTION,
        resourceGroup: RESOURCE_GROUP,
        collectionName: 'src-westus2',
      })
    )?.tags;
    await copied('rp21', 21);
    await sweepProtection(deps, false, log);
    await sweepProtection(deps, false, log);
    const untagged = (
      await compute.getRestorePointCollection({
        subscriptionId: SUBSCRIPTION,
        resourceGroup: RESOURCE_GROUP,
        collectionName: 'src-westus2',
      })
    )?.tags;

    // Assess
    const breachId = new Date(START + 4 * HOUR).toISOString();
    expect(quiet).toEqual([]);
    expect(tagged?.[BREACH_TAG]).toBe(breachId);
    expect(untagged?.[BREACH_TAG]).toBeUndefined();
    expect(untagged?.['rpcopy-managed-by']).toBe('rpcopy');
    const pair = pairIdFor(collectionId('src'), 'westus2');
    expect(sink.events().map((event) => [event.type, event.id])).toEqual([
      ['RestorePointCopy.RpoBreached', `${pair}:rpo-breach:${breachId}:RestorePointCopy.RpoBreached`],
      ['RestorePointCopy.RpoRestored', `${pair}:rpo-breach:${breachId}:RestorePointCopy.RpoRestored`],
      // keepLast=2 once rp21 landed; the second sweep sees rp0 deleting and leaves it alone.
      [
        'RestorePointCopy.Pruned',
        `${restorePointId('src-westus2', 'rp0').toLowerCase()}:RestorePointCopy.Pruned`,
      ],
    ]);
    expect(sink.events()[0]).toMatchObject({
      subject: collectionId('src-westus2'),
      time: new Date(START + 16 * HOUR).toISOString(),
      data: {
        breachId,
        rpoTargetHours: 12,
        reason: { code: 'NoRecentSourceRestorePoint', message: 'no source restore point for 16 hours' },
      },
    });
    expect(sink.events()[1]?.data).toMatchObject({
      restoredBy: { targetRestorePointId: restorePointId('src-westus2', 'rp21') },
    });
  });

  it('keeps everything while a copy is queued, and what lacks lineage tags, saying why', async () => {
    // Prepare: three copies; the next source's copy is queued.
    await copied('rp0', 0);
    await copied('rp4', 4);
    await copied('rp8', 8);
    const rp12 = await createSourceRestorePoint(h, 'rp12');
    const queued = createCopyDocument({
      id: copyIdFor(rp12, 'westus2'),
      sourceRestorePointId: rp12,
      sourceCollectionId: collectionId('src'),
      targetRegion: 'westus2',
      requestedBy: 'event-grid',
      createdAt: new Date(h.clock.now()).toISOString(),
    });
    documents.set(queued.id, queued);

    // Act 1
    const held = await sweepProtection(deps, false, log);
    // Act 2: the copy ended; someone removed the lineage tags.
    documents.set(queued.id, { ...queued, status: 'Canceled', completedAt: queued.createdAt });
    await h.client.restorePointCollections.update(RESOURCE_GROUP, 'src-westus2', { tags: {} });
    const untagged = await sweepProtection(deps, false, log);

    // Assess
    expect(held.pruned).toEqual([]);
    expect(logs).toContain(
      `info Retention of ${collectionId('src')} → westus2 deletes nothing now: copy ${queued.id} into this collection is Queued`,
    );
    expect(untagged.pruned).toEqual([]);
    expect(logs).toContain(
      `warn Retention of ${collectionId('src')} → westus2 kept ${restorePointId('src-westus2', 'rp0')}: the target collection lacks rpcopy's lineage tags (rpcopy-managed-by, rpcopy-source-collection)`,
    );
    expect(h.sim.requestLog.filter((entry) => entry.method === 'DELETE')).toEqual([]);
  });

  it('answers the HTTP handlers in-process: a filtered list, one pair, and a 400 for a bad token', async () => {
    // Prepare
    await copied('rp0', 0);
    await h.clock.advanceTo(START + 10 * HOUR);
    const context = new InvocationContext();
    const get = (url: string, params: Record<string, string> = {}) =>
      new HttpRequest({ method: 'GET', url: `http://localhost/api/${url}`, params });

    // Act
    const atRisk = await listProtectionHandler(get('protection?state=AtRisk&region=westus2'), deps, context);
    const none = await listProtectionHandler(get('protection?state=Breached'), deps, context);
    const pairId = pairIdFor(collectionId('src'), 'westus2');
    const one = await getProtectionHandler(get(`protection/${pairId}`, { pair: pairId }), deps, context);
    const bad = listProtectionHandler(get('protection?continuationToken=%%%'), deps, context);

    // Assess
    expect(atRisk.status).toBe(200);
    expect(atRisk.jsonBody).toMatchObject({
      summary: { Protected: 0, AtRisk: 1, Breached: 0, Unprotected: 0, Disabled: 0 },
      pairs: [{ id: pairId, state: 'AtRisk', rpo: { targetHours: 12, atRiskAfterHours: 9 } }],
      continuationToken: null,
      nextLink: null,
    });
    expect(none.jsonBody).toMatchObject({ pairs: [] });
    expect(one.jsonBody).toMatchObject({
      id: pairId,
      state: 'AtRisk',
      history: {
        copies: [
          { sourceRestorePointId: restorePointId('src', 'rp0'), status: 'Usable', durationSeconds: null },
        ],
      },
    });
    await expect(bad).rejects.toMatchObject({ code: 'InvalidContinuationToken', statusCode: 400 });
  });
});
