import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DevDurableEngine } from '../../dev/host/durable';
import { copyIdFor } from '../../src/copyId';
import type { CopyOrchestrationInput } from '../../src/domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../../src/domain/copyContracts';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { START, collectionId, restorePointId } from '../support/computeSim';

const REGIONS = ['westus2', 'centralus'];

interface ListResponse {
  copies: { id: string; status: string; targetRegion: string }[];
  continuationToken: string | null;
}

/**
 * Every request a list API user makes, each with the instances it read from the Durable store, so that the
 * same requests at 10 and at 1,000 copies can be compared.
 */
const REQUESTS = [
  'copies?top=3',
  'copies?targetRegion=westus2&top=3',
  'copies?status=Queued&top=3',
  'copies?status=Succeeded,Failed&top=3',
  `copies?sourceRestorePointId=${encodeURIComponent(restorePointId('vm-rpc', 'rp-00004'))}`,
];

describe('GET /api/copies reads one page, however many copies exist', () => {
  let stack: AppStack;
  let engine: DevDurableEngine;
  let seeded = 0;

  beforeAll(async () => {
    stack = await startAppStack();
    engine = stack.host.engine as DevDurableEngine;
    // Queued copies that never run: the list reads them as they are, and nothing else touches the store.
    engine.pauseOrchestrations();
  });

  afterAll(async () => {
    await stack.close();
  });

  async function seedUpTo(count: number): Promise<void> {
    for (; seeded < count; seeded++) {
      const source = restorePointId('vm-rpc', `rp-${String(Math.floor(seeded / 2)).padStart(5, '0')}`);
      const targetRegion = REGIONS[seeded % 2] ?? 'westus2';
      const copyId = copyIdFor(source, targetRegion);
      const input: Partial<CopyOrchestrationInput> = {
        copyId,
        sourceRestorePointId: source,
        sourceCollectionId: collectionId('vm-rpc'),
        targetRegion,
        requestedBy: 'http',
        requestedAt: new Date(START + seeded * 1000).toISOString(),
      };
      await engine.startNew(ORCHESTRATOR_NAME, { instanceId: copyId, input });
    }
  }

  async function readsPerRequest(): Promise<
    { request: string; reads: number; copies: number; more: boolean }[]
  > {
    const results = [];
    for (const request of REQUESTS) {
      const before = engine.storeStats().instanceReads;
      const response = await stack.api('GET', request);
      expect(response.status).toBe(200);
      const body = response.body as ListResponse;
      results.push({
        request,
        reads: engine.storeStats().instanceReads - before,
        copies: body.copies.length,
        more: body.continuationToken !== null,
      });
    }
    // The next page costs the same as the first.
    const first = (await stack.api('GET', 'copies?top=3')).body as ListResponse;
    const before = engine.storeStats().instanceReads;
    const next = await stack.api('GET', `copies?top=3&continuationToken=${first.continuationToken ?? ''}`);
    results.push({
      request: 'next page of copies?top=3',
      reads: engine.storeStats().instanceReads - before,
      copies: (next.body as ListResponse).copies.length,
      more: (next.body as ListResponse).continuationToken !== null,
    });
    return results;
  }

  it('reads the same instances per page at 10 and at 1,000 copies', async () => {
    await seedUpTo(10);
    const atTen = await readsPerRequest();
    await seedUpTo(1_000);
    const atThousand = await readsPerRequest();

    expect(atThousand).toEqual(atTen);
    expect(atTen).toEqual([
      // A page of 3 reads 4 instances: the 4th tells whether another page follows.
      { request: REQUESTS[0], reads: 4, copies: 3, more: true },
      { request: REQUESTS[1], reads: 4, copies: 3, more: true },
      { request: REQUESTS[2], reads: 4, copies: 3, more: true },
      { request: REQUESTS[3], reads: 0, copies: 0, more: false },
      // One point read per region that has a copy of the restore point.
      { request: REQUESTS[4], reads: 2, copies: 2, more: false },
      { request: 'next page of copies?top=3', reads: 4, copies: 3, more: true },
    ]);
  }, 120_000);
});
