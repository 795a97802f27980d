import { afterEach, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { reconcileTimeOfDay } from '../../src/domain/reconcileTurn';
import { collectionId, createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

const DAY = 86_400_000;

/** The first time after `now` at which the collection's daily reconciliation falls due. */
function nextTurnOf(collection: string, now: number): number {
  const wait = (((reconcileTimeOfDay(collection) - now) % DAY) + DAY) % DAY;
  return now + (wait === 0 ? DAY : wait);
}

interface ListResponse {
  copies: CopyDocument[];
  continuationToken: string | null;
}

describe('event-driven copies, duplicates, ordering and reconciliation, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const list = async (query = ''): Promise<ListResponse> =>
    (await stack.api('GET', `copies${query}`)).body as ListResponse;

  async function postEvent(event: unknown): Promise<number> {
    const response = await fetch(
      `${stack.host.baseUrl}/runtime/webhooks/eventgrid?functionName=startCopyEventGrid&code=${stack.host.eventGridKey}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
        body: JSON.stringify([event]),
      },
    );
    return response.status;
  }

  it.each([{ schema: 'CloudEvents' as const }, { schema: 'EventGrid' as const }])(
    'copies a new restore point announced twice by ARM ($schema schema) once per region, and ignores its own copy writes',
    async ({ schema }) => {
      // Prepare
      stack = await startAppStack();
      await seedSource(stack.h, { diskSizesGB: [32, 64] });
      stack.h.sim.subscribeEvents({
        url: `${stack.host.baseUrl}/runtime/webhooks/eventgrid?functionName=startCopyEventGrid&code=${stack.host.eventGridKey}`,
        schema,
        duplicate: true,
      });

      // Act
      const source = await createSourceRestorePoint(stack.h, 'rp1');
      const ids = ['westus2', 'centralus'].map((region) => copyIdFor(source, region));
      const statuses = await Promise.all(ids.map((id) => stack.waitForCopy(id)));
      await stack.clock.advanceBy(60_000);
      const copies = (await list()).copies;

      // Assess
      expect(statuses.map((status) => status.runtimeStatus)).toEqual(['Completed', 'Completed']);
      expect(copies.map((copy) => [copy.id, copy.status, copy.requestedBy]).sort()).toEqual(
        ids.map((id) => [id, 'Succeeded', 'event-grid']).sort(),
      );
      for (const id of ids) {
        expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Succeeded']);
      }
      // Every ARM write was announced twice: the source's and both copies' (which are never copied again).
      const deliveries = stack.h.sim.deliveryLog.filter((entry) => entry.outcome === 'delivered');
      expect(deliveries.map((entry) => entry.subject).sort()).toEqual(
        [
          source,
          source,
          ...['westus2', 'centralus'].flatMap((region) =>
            Array(2).fill(restorePointId(`src-${region}`, 'rp1')),
          ),
        ].sort(),
      );
      const copyPuts = stack.h.sim.requestLog.filter(
        (entry) => entry.method === 'PUT' && /\/restorePoints\//i.test(entry.path),
      );
      expect(copyPuts.map((entry) => entry.path.toLowerCase()).sort()).toEqual(
        [source, restorePointId('src-centralus', 'rp1'), restorePointId('src-westus2', 'rp1')]
          .map((id) => id.toLowerCase())
          .sort(),
      );
    },
  );

  it('skips an older restore point whose event arrives after a newer one was copied, and refuses it over HTTP', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [16], tags: { 'rpcopy-targets': 'westus2' } });
    const older = await createSourceRestorePoint(stack.h, 'rp1');
    const newer = await createSourceRestorePoint(stack.h, 'rp2');
    await stack.api('POST', 'copies', { sourceRestorePointId: newer });
    await stack.waitForCopy(copyIdFor(newer, 'westus2'));

    // Act
    const refused = await stack.api('POST', 'copies', { sourceRestorePointId: older });
    const accepted = await postEvent({
      id: 'late-event',
      topic: '/subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-app',
      subject: older,
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      eventTime: '2026-01-01T00:00:00Z',
      data: {
        operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
        resourceUri: older,
        status: 'Succeeded',
      },
      dataVersion: '2',
      metadataVersion: '1',
    });
    const id = copyIdFor(older, 'westus2');
    await stack.waitForCopy(id);
    const skipped = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    // Assess
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error: { code: 'OutOfOrder' } });
    expect(accepted).toBe(202);
    expect(skipped).toMatchObject({
      status: 'Skipped',
      reason: 'ordering',
      requestedBy: 'event-grid',
      error: { category: 'ordering', code: 'OutOfOrder' },
      startedAt: null,
    });
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Skipped']);
  });

  it('copies two restore points of a pair one at a time, oldest first', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [256], tags: { 'rpcopy-targets': 'westus2' } });
    const first = await createSourceRestorePoint(stack.h, 'rp1');
    const second = await createSourceRestorePoint(stack.h, 'rp2');

    // Act
    await stack.api('POST', 'copies', { sourceRestorePointId: first });
    await stack.api('POST', 'copies', { sourceRestorePointId: second });
    const firstId = copyIdFor(first, 'westus2');
    const secondId = copyIdFor(second, 'westus2');
    await stack.clock.runUntil(
      async () =>
        ((await stack.api('GET', `copies/${firstId}`)).body as CopyDocument).status === 'Replicating',
    );
    const whileFirstReplicates = (await stack.api('GET', `copies/${secondId}`)).body as CopyDocument;
    await stack.waitForCopy(secondId);
    const [a, b] = (await Promise.all([firstId, secondId].map((id) => stack.api('GET', `copies/${id}`)))).map(
      (response) => response.body as CopyDocument,
    );

    // Assess
    expect(whileFirstReplicates.status).toBe('Queued');
    expect([a?.status, b?.status]).toEqual(['Succeeded', 'Succeeded']);
    expect(Date.parse(b?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(a?.completedAt ?? ''));
  });

  it('drops malformed and unrelated events without failing the delivery', async () => {
    // Prepare
    stack = await startAppStack();

    // Act
    const statuses = [
      await postEvent({ hello: 'world' }),
      await postEvent({
        specversion: '1.0',
        id: 'x',
        source: 's',
        type: 'Microsoft.Storage.BlobCreated',
        data: {},
      }),
      await postEvent({
        specversion: '1.0',
        id: 'y',
        source: 's',
        type: 'Microsoft.Resources.ResourceWriteSuccess',
        data: {
          operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
          resourceUri: '/not/an/id',
        },
      }),
    ];

    // Assess
    expect(statuses).toEqual([202, 202, 202]);
    expect((await list()).copies).toEqual([]);
  });

  it('reconciles restore points whose events were lost, once, and only what can still be copied', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [16] });
    const first = await createSourceRestorePoint(stack.h, 'rp1');

    // Act
    await stack.host.fireTimer('reconcileCopiesTimer');
    const firstIds = ['westus2', 'centralus'].map((region) => copyIdFor(first, region));
    await Promise.all(firstIds.map((id) => stack.waitForCopy(id)));
    await stack.host.fireTimer('reconcileCopiesTimer');
    const afterSecondSweep = (await list()).copies;
    const second = await createSourceRestorePoint(stack.h, 'rp2');
    // After the first sweep, each collection is reconciled once a day, at its own time of day.
    // ARM's clock (the app's "now") tells whole seconds: a minute past the turn, it is surely due.
    await stack.clock.advanceTo(nextTurnOf(collectionId('src'), stack.clock.now()) + 60_000);
    await stack.host.fireTimer('reconcileCopiesTimer');
    const secondIds = ['westus2', 'centralus'].map((region) => copyIdFor(second, region));
    await Promise.all(secondIds.map((id) => stack.waitForCopy(id)));
    const all = (await list()).copies;

    // Assess
    expect(afterSecondSweep.map((copy) => [copy.id, copy.status, copy.requestedBy]).sort()).toEqual(
      firstIds.map((id) => [id, 'Succeeded', 'reconcile']).sort(),
    );
    expect(all.map((copy) => [copy.id, copy.status]).sort()).toEqual(
      [...firstIds, ...secondIds].map((id) => [id, 'Succeeded']).sort(),
    );
  });
});
