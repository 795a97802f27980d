import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/stack/seed';
import { ensureBuilt } from './helpers/ensureBuilt';
import { copyPuts, MINUTE, nameOf, startAppStack, type AppStack, type Copy } from './helpers/appStack';

/**
 * The whole event-driven chain on the local stack, in-process on a virtual clock: the Compute simulator
 * announces a new source restore point, the dev host runs the real app with the real DurableClient, the
 * app copies through the real @azure/arm-compute client and publishes to the sink.
 */

let current: AppStack | undefined;

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterEach(async () => {
  await current?.close();
  current = undefined;
});

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
    current = await startAppStack();

    // Act
    const sourceId = await current.stack.createSourceRestorePoint('rp-1');
    const copies = await current.runUntilCopiesEnd(2);

    // Assess
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-1'],
    ]);
    for (const copy of copies) {
      expect(copy).toMatchObject({ sourceRestorePointId: sourceId, sourceRegion: 'eastus', usable: true });
      expect(nameOf(copy.targetRestorePointId)).toBe('rp-1');
      expectFullyReplicated(current, copy, sourceId);
    }
    await expectOneEventPerCopy(current, 'Succeeded', copies);
    expect(
      current
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
    current = await startAppStack();

    // Act
    await current.stack.createSourceRestorePoint('rp-1');
    const copies = await current.runUntilCopiesEnd(2);

    // Assess: the simulator announced both target writes, the app took them and started nothing from them.
    const targets = copies.map((copy) => (copy.targetRestorePointId ?? '').toLowerCase()).sort();
    const delivered = current.stack.simulator.deliveryLog
      .filter((entry) => targets.includes(entry.subject.toLowerCase()))
      .map((entry) => [entry.subject.toLowerCase(), entry.outcome, accepted(entry.status)]);
    expect(delivered.sort()).toEqual(targets.map((target) => [target, 'delivered', true]));
    expect(copies).toHaveLength(2);
    for (const target of targets) {
      expect(
        current.logs.some(
          (log) => log.message.includes('copy-of-copy') && log.message.toLowerCase().includes(target),
        ),
      ).toBe(true);
    }
  });

  it('copies a restore point on request over HTTP, idempotently, to the requested region only', async () => {
    // Prepare: no ARM events reach the app, so only the HTTP request can start anything.
    current = await startAppStack({ events: { subscribe: false } });
    const sourceId = await current.stack.createSourceRestorePoint('rp-1');

    // Act
    const first = await current.api('POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['westus2'],
    });
    const again = await current.api('POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['westus2'],
    });
    const copies = await current.runUntilCopiesEnd(1);

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
    expectFullyReplicated(current, copies[0] as Copy, sourceId);
    await expectOneEventPerCopy(current, 'Succeeded', copies);
    expect(copyPuts(current.stack, 'westus2').filter((put) => put.status === 201)).toHaveLength(1);
  });

  it('makes one copy per region of a restore point whose ARM event arrives twice (CloudEvents schema)', async () => {
    // Prepare
    current = await startAppStack({ events: { schema: 'CloudEvents', duplicate: true } });

    // Act
    const sourceId = await current.stack.createSourceRestorePoint('rp-1');
    const copies = await current.runUntilCopiesEnd(2);

    // Assess
    const sourceDeliveries = current.stack.simulator.deliveryLog.filter(
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
      expect(copyPuts(current.stack, region).filter((put) => put.status === 201)).toHaveLength(1);
      const target = await current.stack.compute.restorePointCollections.get(
        'rpcopy-demo',
        `demo-vm-rpc-${region}`,
        {
          expand: 'restorePoints',
        },
      );
      expect(target.restorePoints?.map((rp) => rp.name)).toEqual(['rp-1']);
    }
    await expectOneEventPerCopy(current, 'Succeeded', copies);
  });

  it('catches a restore point whose ARM event was dropped, by the reconciliation timer', async () => {
    // Prepare: the only subscription presents a wrong key, so Event Grid's delivery is refused and dropped.
    current = await startAppStack({ events: { subscribe: false } });
    const wrongKey = new URL(current.stack.webhookUrl);
    wrongKey.searchParams.set('code', 'not-the-key');
    current.stack.simulator.subscribeEvents({ url: wrongKey.toString(), schema: 'EventGrid' });
    const sourceId = await current.stack.createSourceRestorePoint('rp-1');
    await current.clock.settle();
    expect(
      current.stack.simulator.deliveryLog.map((entry) => [entry.subject, entry.status, entry.outcome]),
    ).toEqual([[sourceId, 401, 'dropped']]);
    expect(await current.copies()).toEqual([]);

    // Act
    await current.stack.host.fireTimer('reconcileCopiesTimer');
    const copies = await current.runUntilCopiesEnd(2);

    // Assess
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-1'],
    ]);
    for (const copy of copies) expectFullyReplicated(current, copy, sourceId);
    await expectOneEventPerCopy(current, 'Succeeded', copies);
  });

  it('copies two quick source restore points in creation order, one at a time per region', async () => {
    // Prepare
    current = await startAppStack();

    // Act
    const first = await current.stack.createSourceRestorePoint('rp-1');
    await current.clock.advanceBy(MINUTE);
    const second = await current.stack.createSourceRestorePoint('rp-2');
    const copies = await current.runUntilCopiesEnd(4);

    // Assess
    expect(summary(copies)).toEqual([
      ['centralus', 'Succeeded', 'rp-1'],
      ['centralus', 'Succeeded', 'rp-2'],
      ['westus2', 'Succeeded', 'rp-1'],
      ['westus2', 'Succeeded', 'rp-2'],
    ]);
    for (const region of ['westus2', 'centralus']) {
      // The simulator's timeline: no copy PUT was ever refused, the second started after the first ended.
      const puts = copyPuts(current.stack, region);
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
    await expectOneEventPerCopy(current, 'Succeeded', copies);
  });

  it('works only in the allowed subscription the local settings name', async () => {
    current = await startAppStack({ events: { subscribe: false } });
    const outside = current.stack.ready.sourceCollectionId.replace(
      DEMO_SUBSCRIPTION_ID,
      '11111111-2222-3333-4444-555555555555',
    );
    const response = await current.api('POST', '/api/copies', {
      sourceRestorePointId: `${outside}/restorePoints/rp-1`,
      targetRegions: ['westus2'],
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});
