import { describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/stack/seed';
import { appStacksPerTest, copyPuts, MINUTE, nameOf, type AppStack, type Copy } from './helpers/appStack';

/**
 * The whole event-driven chain on the local stack, in-process on a virtual clock: the Compute simulator
 * announces a new source restore point, the dev host runs the real app with the real DurableClient, the
 * app copies through the real @azure/arm-compute client and publishes to the sink.
 */

const startApp = appStacksPerTest();

const byRegion = (a: Copy, b: Copy): number =>
  a.targetRegion.localeCompare(b.targetRegion) ||
  a.sourceRestorePointId.localeCompare(b.sourceRestorePointId);

/** Event Grid counts any 2xx as delivered; the webhook answers 202. */
const accepted = (status: number): boolean => status >= 200 && status < 300;

function summary(copies: Copy[]): [string, string, string][] {
  return [...copies]
    .sort(byRegion)
    .map((copy) => [copy.targetRegion, copy.status, nameOf(copy.sourceRestorePointId)]);
}

/** Every `RestorePointCopy.<type>` event at the sink is the copy document the API serves, once per copy. */
async function expectOneEventPerCopy(app: AppStack, type: string, copies: Copy[]): Promise<void> {
  const events = app.events(`RestorePointCopy.${type}`);
  expect(events.map((event) => event.id).sort()).toEqual(
    copies.map((copy) => `${copy.id}:RestorePointCopy.${type}`).sort(),
  );
  for (const event of events) {
    const data = event.data as Copy;
    expect(event).toMatchObject({
      specversion: '1.0',
      source: '/rpcopy',
      subject: data.targetRestorePointId,
    });
    expect(data).toEqual(await app.copy(data.id));
  }
}

function expectFullyReplicated(app: AppStack, copy: Copy, sourceId: string): void {
  const view = app.stack.simulator.getCopy(copy.targetRestorePointId ?? '');
  expect(view && { ...view, id: view.id.toLowerCase() }).toEqual({
    id: (copy.targetRestorePointId ?? '').toLowerCase(),
    sourceRestorePointId: sourceId,
    provisioningState: 'Succeeded',
    state: 'succeeded',
    disks: [
      { name: 'demo-vm-os', sizeGB: 32, completionPercent: 100, state: 'succeeded' },
      { name: 'demo-vm-data0', sizeGB: 64, completionPercent: 100, state: 'succeeded' },
      { name: 'demo-vm-data1', sizeGB: 128, completionPercent: 100, state: 'succeeded' },
    ],
  });
}

describe('copies on the local stack', () => {
  it('copies a new source restore point to both tagged regions, fully replicated, with one Succeeded event each', async () => {
    // Prepare
    const app = await startApp();

    // Act
    const sourceId = await app.stack.createSourceRestorePoint('rp-1');
    const copies = await app.runUntilCopiesEnd(2);

    // Assess
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-1'],
    ]);
    for (const copy of copies) {
      expect(copy).toMatchObject({ sourceRestorePointId: sourceId, sourceRegion: 'eastus', usable: true });
      expect(nameOf(copy.targetRestorePointId)).toBe('rp-1');
      expectFullyReplicated(app, copy, sourceId);
    }
    await expectOneEventPerCopy(app, 'Succeeded', copies);
    expect(
      app
        .events()
        .map((event) => event.type)
        .sort(),
    ).toEqual([
      'RestorePointCopy.Started',
      'RestorePointCopy.Started',
      'RestorePointCopy.Succeeded',
      'RestorePointCopy.Succeeded',
    ]);
  });

  it("ignores the copy's own write event as copy-of-copy", async () => {
    // Prepare
    const app = await startApp();

    // Act
    await app.stack.createSourceRestorePoint('rp-1');
    const copies = await app.runUntilCopiesEnd(2);

    // Assess: the simulator announced both target writes, the app took them and started nothing from them.
    const targets = copies.map((copy) => (copy.targetRestorePointId ?? '').toLowerCase()).sort();
    const delivered = app.stack.simulator.deliveryLog
      .filter((entry) => targets.includes(entry.subject.toLowerCase()))
      .map((entry) => [entry.subject.toLowerCase(), entry.outcome, accepted(entry.status)]);
    expect(delivered.sort()).toEqual(targets.map((target) => [target, 'delivered', true]));
    expect(copies).toHaveLength(2);
    for (const target of targets) {
      expect(
        app.logs.some(
          (log) => log.message.includes('copy-of-copy') && log.message.toLowerCase().includes(target),
        ),
      ).toBe(true);
    }
  });

  it('copies a restore point on request over HTTP, idempotently, to the requested region only', async () => {
    // Prepare: no ARM events reach the app, so only the HTTP request can start anything.
    const app = await startApp({ events: { subscribe: false } });
    const sourceId = await app.stack.createSourceRestorePoint('rp-1');

    // Act
    const first = await app.api('POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['westus2'],
    });
    const again = await app.api('POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['westus2'],
    });
    const copies = await app.runUntilCopiesEnd(1);

    // Assess
    expect(first.status).toBe(202);
    const requested = (first.body as { copies: Copy[] }).copies;
    expect(requested).toEqual([
      expect.objectContaining({
        sourceRestorePointId: sourceId,
        targetRegion: 'westus2',
        targetRestorePointId: expect.stringMatching(/demo-vm-rpc-westus2\/restorePoints\/rp-1$/),
        statusUrl: expect.stringContaining(`/api/copies/${copies[0]?.id ?? ''}`),
      }),
    ]);
    expect(again.status).toBe(202);
    expect((again.body as { copies: Copy[] }).copies.map((copy) => copy.id)).toEqual(
      requested.map((copy) => copy.id),
    );
    expect(summary(copies)).toEqual([['westus2', 'Succeeded', 'rp-1']]);
    expectFullyReplicated(app, copies[0] as Copy, sourceId);
    await expectOneEventPerCopy(app, 'Succeeded', copies);
    expect(copyPuts(app.stack, 'westus2').filter((put) => put.status === 201)).toHaveLength(1);
  });

  it('makes one copy per region of a restore point whose ARM event arrives twice (CloudEvents schema)', async () => {
    // Prepare
    const app = await startApp({ events: { schema: 'CloudEvents', duplicate: true } });

    // Act
    const sourceId = await app.stack.createSourceRestorePoint('rp-1');
    const copies = await app.runUntilCopiesEnd(2);

    // Assess
    const sourceDeliveries = app.stack.simulator.deliveryLog.filter(
      (entry) => entry.subject.toLowerCase() === sourceId.toLowerCase(),
    );
    expect(sourceDeliveries.map((entry) => [entry.outcome, accepted(entry.status)])).toEqual([
      ['delivered', true],
      ['delivered', true],
    ]);
    expect(new Set(sourceDeliveries.map((entry) => entry.eventId)).size).toBe(2);
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-1'],
    ]);
    for (const region of ['westus2', 'centralus']) {
      expect(copyPuts(app.stack, region).filter((put) => put.status === 201)).toHaveLength(1);
      const target = await app.stack.compute.restorePointCollections.get(
        'rpcopy-demo',
        `demo-vm-rpc-${region}`,
        {
          expand: 'restorePoints',
        },
      );
      expect(target.restorePoints?.map((rp) => rp.name)).toEqual(['rp-1']);
    }
    await expectOneEventPerCopy(app, 'Succeeded', copies);
  });

  it('catches a restore point whose ARM event was dropped, by the reconciliation timer', async () => {
    // Prepare: the only subscription presents a wrong key, so Event Grid's delivery is refused and dropped.
    const app = await startApp({ events: { subscribe: false } });
    const wrongKey = new URL(app.stack.webhookUrl);
    wrongKey.searchParams.set('code', 'not-the-key');
    app.stack.simulator.subscribeEvents({ url: wrongKey.toString(), schema: 'EventGrid' });
    const sourceId = await app.stack.createSourceRestorePoint('rp-1');
    await app.clock.settle();
    expect(
      app.stack.simulator.deliveryLog.map((entry) => [entry.subject, entry.status, entry.outcome]),
    ).toEqual([[sourceId, 401, 'dropped']]);
    expect(await app.copies()).toEqual([]);

    // Act
    await app.stack.host.fireTimer('reconcileCopiesTimer');
    const copies = await app.runUntilCopiesEnd(2);

    // Assess
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-1'],
    ]);
    for (const copy of copies) {
      expectFullyReplicated(app, copy, sourceId);
    }
    await expectOneEventPerCopy(app, 'Succeeded', copies);
  });

  it('copies two quick source restore points in creation order, one at a time per region', async () => {
    // Prepare
    const app = await startApp();

    // Act
    const first = await app.stack.createSourceRestorePoint('rp-1');
    await app.clock.advanceBy(MINUTE);
    const second = await app.stack.createSourceRestorePoint('rp-2');
    const copies = await app.runUntilCopiesEnd(4);

    // Assess
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['centralus', 'Succeeded', 'rp-2'],
      ['westus2', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-2'],
    ]);
    for (const region of ['westus2', 'centralus']) {
      // The simulator's timeline: no copy PUT was ever refused, the second started after the first ended.
      const puts = copyPuts(app.stack, region);
      expect(puts.map((put) => [put.restorePoint, put.status])).toEqual([
        ['rp-1', 201],
        ['rp-2', 201],
      ]);
      const firstCopy = copies.find(
        (copy) => copy.targetRegion === region && copy.sourceRestorePointId === first,
      );
      const secondPut = puts[1]?.time ?? 0;
      expect(Date.parse(firstCopy?.completedAt ?? '')).toBeLessThanOrEqual(secondPut);
      const secondCopy = copies.find(
        (copy) => copy.targetRegion === region && copy.sourceRestorePointId === second,
      );
      expect(Date.parse(secondCopy?.startedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(firstCopy?.completedAt ?? ''),
      );
    }
    await expectOneEventPerCopy(app, 'Succeeded', copies);
  });

  it('works only in the allowed subscription the local settings name', async () => {
    const app = await startApp({ events: { subscribe: false } });
    const outside = app.stack.ready.sourceCollectionId.replace(
      DEMO_SUBSCRIPTION_ID,
      '11111111-2222-3333-4444-555555555555',
    );
    const response = await app.api('POST', '/api/copies', {
      sourceRestorePointId: `${outside}/restorePoints/rp-1`,
      targetRegions: ['westus2'],
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
