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
      expect((await stack.api('POST', 'copies', { sourceRestorePointId: byName.get(name) })).status).toBe(202);
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
