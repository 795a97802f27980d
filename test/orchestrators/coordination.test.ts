import { afterEach, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

const westus2Only = { 'rpcopy-targets': 'westus2' };

/**
 * One copy's hold on Azure: from its first write to its target collection (creating it, in its turn; the HTTP
 * API only reads it) until its document ended.
 */
interface Span {
  id: string;
  from: number;
  to: number;
}

/** The most spans that overlap at any instant (a span ending at an instant no longer counts then). */
function mostAtOnce(spans: readonly Span[]): number {
  const edges = spans.flatMap((span) => [
    { at: span.from, step: 1 },
    { at: span.to, step: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.step - b.step);
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.step;
    most = Math.max(most, running);
  }
  return most;
}

/**
 * Turns between copies (the pair and capacity entities), through the dev host with the real DurableClient and
 * the Compute simulator: what each copy did is read from the simulator's request log and the copies' own
 * documents, never from the entities.
 */
describe('coordination of copies, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

  /** When the app first wrote to the target collection `name` (the copy had its turn then). */
  const firstWrite = (name: string): number | undefined =>
    stack.h.sim.requestLog.find(
      (entry) =>
        entry.method === 'PUT' && new RegExp(`/restorePointCollections/${name}(/|$)`, 'i').test(entry.path),
    )?.time;

  const spanOf = async (id: string, targetCollection: string): Promise<Span> => {
    const copy = await document(id);
    return { id, from: firstWrite(targetCollection) ?? Number.NaN, to: Date.parse(copy.completedAt ?? '') };
  };

  it('never runs more copies than the cap, with 50 copies requested at the same virtual instant', async () => {
    // Prepare: 50 VMs, one restore point each; a cap of 4.
    stack = await startAppStack({ settings: { RPCOPY_MAX_CONCURRENT_COPIES: '4' } });
    const names = Array.from({ length: 50 }, (_, index) => `c${index}`);
    const sources: string[] = [];
    for (const [index, name] of names.entries()) {
      await seedSource(stack.h, { vm: `vm${index}`, collection: name, diskSizesGB: [16], tags: westus2Only });
      sources.push(await createSourceRestorePoint(stack.h, 'rp1', name));
    }
    const ids = sources.map((source) => copyIdFor(source, 'westus2'));
    const requestedAt = stack.clock.now();

    // Act
    const responses = await Promise.all(
      sources.map((source) => stack.api('POST', 'copies', { sourceRestorePointId: source })),
    );
    const clockAfterRequests = stack.clock.now();
    for (const id of ids) {
      await stack.waitForCopy(id);
    }

    // Assess
    expect(responses.map((response) => response.status)).toEqual(names.map(() => 202));
    expect(clockAfterRequests).toBe(requestedAt);
    const copies = await Promise.all(ids.map(document));
    expect(copies.map((copy) => copy.status)).toEqual(names.map(() => 'Succeeded'));
    const spans = await Promise.all(ids.map((id, index) => spanOf(id, `${names[index] ?? ''}-westus2`)));
    expect(spans.filter((span) => !(span.from < span.to))).toEqual([]);
    expect(mostAtOnce(spans)).toBe(4);
  }, 600_000);

  it('copies the restore points of a pair oldest first, whatever order their copies were requested in', async () => {
    // Prepare: a cap of 1 held by a long copy of another VM, so that all four requests wait together.
    stack = await startAppStack({ settings: { RPCOPY_MAX_CONCURRENT_COPIES: '1' } });
    await seedSource(stack.h, { vm: 'vm-long', collection: 'long', diskSizesGB: [512], tags: westus2Only });
    const blocker = await createSourceRestorePoint(stack.h, 'rp1', 'long');
    await seedSource(stack.h, { diskSizesGB: [16], tags: westus2Only });
    const byName = new Map<string, string>();
    for (const name of ['rp1', 'rp2', 'rp3', 'rp4']) {
      byName.set(name, await createSourceRestorePoint(stack.h, name));
    }
    await stack.api('POST', 'copies', { sourceRestorePointId: blocker });
    await stack.clock.runUntil(() => firstWrite('long-westus2') !== undefined);

    // Act
    for (const name of ['rp3', 'rp1', 'rp4', 'rp2']) {
      expect((await stack.api('POST', 'copies', { sourceRestorePointId: byName.get(name) })).status).toBe(
        202,
      );
    }
    for (const source of byName.values()) {
      await stack.waitForCopy(copyIdFor(source, 'westus2'));
    }

    // Assess: the order Azure was asked to copy them in.
    const copyRequests = stack.h.sim.requestLog
      .filter((entry) => entry.method === 'PUT' && /\/src-westus2\/restorePoints\//i.test(entry.path))
      .map((entry) => entry.path.split('/').at(-1));
    expect([...new Set(copyRequests)]).toEqual(['rp1', 'rp2', 'rp3', 'rp4']);
    const statuses = await Promise.all(
      [...byName.values()].map(async (source) => (await document(copyIdFor(source, 'westus2'))).status),
    );
    expect(statuses).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
  }, 300_000);
});

/**
 * A copy that holds the only slot ends in every way a copy can: the slot comes back and the copy waiting behind
 * it proceeds.
 */
describe('a slot held by a copy that is canceled, terminated or killed, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const RECHECK_MS = 120_000;
  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
  const firstWrite = (name: string): number | undefined =>
    stack.h.sim.requestLog.find(
      (entry) =>
        entry.method === 'PUT' && new RegExp(`/restorePointCollections/${name}(/|$)`, 'i').test(entry.path),
    )?.time;

  /** A long copy holding the only slot (Replicating), and a short one queued behind it. */
  async function holderAndWaiter(): Promise<{ holder: string; waiter: string }> {
    stack = await startAppStack({ settings: { RPCOPY_MAX_CONCURRENT_COPIES: '1' } });
    await seedSource(stack.h, { vm: 'vm-a', collection: 'a', diskSizesGB: [1024], tags: westus2Only });
    await seedSource(stack.h, { vm: 'vm-b', collection: 'b', diskSizesGB: [16], tags: westus2Only });
    const holderSource = await createSourceRestorePoint(stack.h, 'rp1', 'a');
    const waiterSource = await createSourceRestorePoint(stack.h, 'rp1', 'b');
    const holder = copyIdFor(holderSource, 'westus2');
    const waiter = copyIdFor(waiterSource, 'westus2');
    await stack.api('POST', 'copies', { sourceRestorePointId: holderSource });
    await stack.clock.runUntil(async () => (await document(holder)).status === 'Replicating');
    await stack.api('POST', 'copies', { sourceRestorePointId: waiterSource });
    await stack.clock.advanceBy(30_000);
    return { holder, waiter };
  }

  it('a canceled holder gives its slot to the waiter within seconds', async () => {
    // Prepare
    const { holder, waiter } = await holderAndWaiter();
    const waiterBefore = await document(waiter);
    const writesBefore = firstWrite('b-westus2');

    // Act
    expect((await stack.api('POST', `copies/${holder}/cancel`)).status).toBe(202);
    await stack.waitForCopy(holder);
    await stack.waitForCopy(waiter);

    // Assess
    const ended = await document(holder);
    const copied = await document(waiter);
    expect(waiterBefore.status).toBe('Queued');
    expect(writesBefore).toBeUndefined();
    expect([ended.status, copied.status]).toEqual(['Canceled', 'Succeeded']);
    const gap = (firstWrite('b-westus2') ?? Number.NaN) - Date.parse(ended.completedAt ?? '');
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(10_000);
  }, 300_000);

  it('a holder terminated from outside is reclaimed by the waiter at its next recheck', async () => {
    // Prepare
    const { holder, waiter } = await holderAndWaiter();

    // Act
    const terminatedAt = stack.clock.now();
    await stack.host.getClient().terminate(holder, 'terminated by an operator');
    await stack.waitForCopy(waiter);

    // Assess
    expect((await document(holder)).status).toBe('Canceled');
    expect((await document(waiter)).status).toBe('Succeeded');
    const started = firstWrite('b-westus2') ?? Number.NaN;
    expect(started).toBeGreaterThan(terminatedAt);
    expect(started - terminatedAt).toBeLessThanOrEqual(RECHECK_MS + 10_000);
  }, 300_000);

  it('a terminated holder restarted at once (attempt 2) takes its own slot back, and the waiter goes after it', async () => {
    // Prepare
    const { holder, waiter } = await holderAndWaiter();
    const holderSource = (await document(holder)).sourceRestorePointId;
    await stack.host.getClient().terminate(holder, 'terminated by an operator');
    await stack.clock.advanceBy(1_000);

    // Act
    const again = await stack.api('POST', 'copies', { sourceRestorePointId: holderSource });
    await stack.waitForCopy(holder);
    const restarted = await document(holder);
    await stack.waitForCopy(waiter);

    // Assess: one copy at a time throughout; the restart watched the copy its first run had started.
    expect(again.status).toBe(202);
    expect({ status: restarted.status, attempt: restarted.attempt }).toEqual({
      status: 'Succeeded',
      attempt: 2,
    });
    expect((await document(waiter)).status).toBe('Succeeded');
    const started = firstWrite('b-westus2') ?? Number.NaN;
    expect(started).toBeGreaterThanOrEqual(Date.parse(restarted.completedAt ?? ''));
    expect(started - Date.parse(restarted.completedAt ?? '')).toBeLessThan(10_000);
  }, 300_000);

  it('a copy terminated while first of its pair and waiting for a slot frees both lines for the next', async () => {
    // Prepare: the only slot is held; rp1 is first of pair `b` (waiting for the slot), rp2 behind it.
    const { holder, waiter: first } = await holderAndWaiter();
    const secondSource = await createSourceRestorePoint(stack.h, 'rp2', 'b');
    const second = copyIdFor(secondSource, 'westus2');
    const requested = await stack.api('POST', 'copies', { sourceRestorePointId: secondSource });
    await stack.clock.advanceBy(30_000);

    // Act: terminate the first of the pair, then let the holder finish.
    await stack.host.getClient().terminate(first, 'terminated by an operator');
    await stack.waitForCopy(holder);
    await stack.waitForCopy(second);

    // Assess
    const ended = await document(holder);
    expect(requested.status).toBe(202);
    expect((await document(first)).status).toBe('Canceled');
    expect([ended.status, (await document(second)).status]).toEqual(['Succeeded', 'Succeeded']);
    const copyRequests = stack.h.sim.requestLog.filter(
      (entry) => entry.method === 'PUT' && /\/b-westus2\/restorePoints\//i.test(entry.path),
    );
    expect(copyRequests.map((entry) => entry.path.split('/').at(-1))).toEqual(['rp2']);
    const started = firstWrite('b-westus2') ?? Number.NaN;
    expect(started - Date.parse(ended.completedAt ?? '')).toBeGreaterThanOrEqual(0);
    expect(started - Date.parse(ended.completedAt ?? '')).toBeLessThan(10_000);
  }, 300_000);

  it('a holder whose host was killed keeps its slot across the restart, and hands it on within seconds', async () => {
    // Prepare
    const { holder, waiter } = await holderAndWaiter();
    const writesBeforeKill = firstWrite('b-westus2');

    // Act
    await stack.restartHost();
    await stack.waitForCopy(holder);
    await stack.waitForCopy(waiter);

    // Assess
    const ended = await document(holder);
    expect(writesBeforeKill).toBeUndefined();
    expect([ended.status, (await document(waiter)).status]).toEqual(['Succeeded', 'Succeeded']);
    const started = firstWrite('b-westus2') ?? Number.NaN;
    expect(started - Date.parse(ended.completedAt ?? '')).toBeGreaterThanOrEqual(0);
    expect(started - Date.parse(ended.completedAt ?? '')).toBeLessThan(10_000);
  }, 300_000);
});
