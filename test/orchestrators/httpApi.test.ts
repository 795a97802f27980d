import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadConfig } from '../../src/config';
import type { CopyOrchestrationInput } from '../../src/domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../../src/domain/copyContracts';
import { copyIdFor } from '../../src/copyId';
import { startCopy } from '../../src/services/startCopies';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { SUBSCRIPTION, createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

const OTHER_SUBSCRIPTION = '99999999-0000-0000-0000-000000000000';

interface ListResponse {
  copies: CopyDocument[];
  continuationToken: string | null;
  nextLink: string | null;
}

/** The HTTP contract: statuses, error codes and bodies, idempotency, listing. One stack for the file. */
describe('HTTP API through the dev host', () => {
  let stack: AppStack;
  let rp1: string;
  let rp2: string;

  beforeAll(async () => {
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8] });
    await seedSource(stack.h, {
      vm: 'vm2',
      collection: 'quiet',
      diskSizesGB: [8],
      tags: { 'rpcopy-targets': 'none' },
    });
    rp1 = await createSourceRestorePoint(stack.h, 'rp1');
    rp2 = await createSourceRestorePoint(stack.h, 'rp2');
    await createSourceRestorePoint(stack.h, 'q1', 'quiet');
  });
  afterAll(async () => {
    await stack.close();
  });

  it.each([
    { why: 'malformed JSON', body: '{"sourceRestorePointId":', status: 400, code: 'InvalidJson' },
    { why: 'a JSON array', body: '[]', status: 400, code: 'InvalidRequest' },
    { why: 'a number as id', body: { sourceRestorePointId: 42 }, status: 400, code: 'InvalidRequest' },
    {
      why: 'an unknown property',
      body: { sourceRestorePointId: 'x', targetRegion: 'westus2' },
      status: 400,
      code: 'InvalidRequest',
    },
    {
      why: 'a bad ARM id',
      body: { sourceRestorePointId: '/subscriptions/nope' },
      status: 400,
      code: 'InvalidArmId',
    },
    {
      why: 'targetRegions not an array',
      body: () => ({ sourceRestorePointId: rp1, targetRegions: 'westus2' }),
      status: 400,
      code: 'InvalidRequest',
    },
    {
      why: 'an empty targetRegions',
      body: () => ({ sourceRestorePointId: rp1, targetRegions: [] }),
      status: 400,
      code: 'InvalidRequest',
    },
    {
      why: 'an unknown region',
      body: () => ({ sourceRestorePointId: rp1, targetRegions: ['atlantis'] }),
      status: 400,
      code: 'UnknownRegion',
    },
    {
      why: 'the source region',
      body: () => ({ sourceRestorePointId: rp1, targetRegions: ['eastus'] }),
      status: 400,
      code: 'SameRegion',
    },
    {
      why: 'a collection tagged none without regions',
      body: () => ({ sourceRestorePointId: restorePointId('quiet', 'q1') }),
      status: 400,
      code: 'NoTargetRegions',
    },
    {
      why: 'a subscription outside the allowed ones',
      body: () => ({ sourceRestorePointId: rp1.replace(SUBSCRIPTION, OTHER_SUBSCRIPTION) }),
      status: 403,
      code: 'SubscriptionNotAllowed',
    },
    {
      why: 'a missing source',
      body: () => ({ sourceRestorePointId: restorePointId('src', 'nope') }),
      status: 404,
      code: 'SourceNotFound',
    },
  ])('answers $status $code for $why', async ({ body, status, code }) => {
    // Act
    const response = await stack.api('POST', 'copies', typeof body === 'function' ? body() : body);

    // Assess
    expect(response.status).toBe(status);
    expect(response.body).toEqual({ error: { code, message: expect.any(String) as string } });
  });

  it('refuses to copy a copy with 409', async () => {
    // Prepare
    const started = await stack.api('POST', 'copies', {
      sourceRestorePointId: rp1,
      targetRegions: ['westus2'],
    });
    await stack.waitForCopy(copyIdFor(rp1, 'westus2'));

    // Act
    const response = await stack.api('POST', 'copies', {
      sourceRestorePointId: restorePointId('src-westus2', 'rp1'),
    });

    // Assess
    expect(started.status).toBe(202);
    expect(response).toEqual({
      status: 409,
      body: {
        error: {
          code: 'CopyOfCopy',
          message: `Restore point ${restorePointId('src-westus2', 'rp1')} is itself a copy of ${rp1}; copies are never copied.`,
        },
      },
    });
  });

  it('ends an orchestration started for a copy as Skipped with reason copy-of-copy (the triggers never start one)', async () => {
    // Prepare
    const copyOfCopy = restorePointId('src-westus2', 'rp1');
    const id = copyIdFor(copyOfCopy, 'centralus');
    const input: CopyOrchestrationInput = {
      copyId: id,
      sourceRestorePointId: copyOfCopy,
      sourceCollectionId: copyOfCopy.replace(/\/restorePoints\/rp1$/, ''),
      targetRegion: 'centralus',
      requestedBy: 'reconcile',
      requestedAt: new Date(stack.clock.now()).toISOString(),
      settings: loadConfig({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUBSCRIPTION }).copy,
    };

    // Act
    await stack.host.getClient().startNew(ORCHESTRATOR_NAME, { instanceId: id, input });
    await stack.waitForCopy(id);
    const copy = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    // Assess
    expect(copy).toMatchObject({
      status: 'Skipped',
      reason: 'copy-of-copy',
      error: { category: 'copy-of-copy', code: 'CopyOfCopy' },
      targetRestorePointId: null,
    });
    expect(stack.sink.events().filter((event) => event.id === `${id}:RestorePointCopy.Skipped`)).toHaveLength(
      1,
    );
    await stack.host.getClient().purgeInstanceHistory(id);
  });

  it('lets two starters racing for the same copy end up with one instance', async () => {
    // Prepare
    await createSourceRestorePoint(stack.h, 'race');
    const config = loadConfig({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUBSCRIPTION });
    const options = {
      source: {
        subscriptionId: SUBSCRIPTION,
        resourceGroup: 'rg-app',
        collectionName: 'src',
        restorePointName: 'race',
      },
      targetRegion: 'westus2',
      requestedBy: 'event-grid' as const,
      restartEnded: false,
      now: new Date(stack.clock.now()),
    };

    // Act
    const results = await Promise.all(
      [1, 2, 3].map(() => startCopy(stack.host.getClient(), config, options)),
    );

    // Assess
    const id = copyIdFor(restorePointId('src', 'race'), 'westus2');
    expect(results.map((result) => result.document.id)).toEqual([id, id, id]);
    expect(results.filter((result) => result.started)).toHaveLength(1);
    await stack.host.getClient().terminate(id, 'test cleanup');
    await stack.host.waitForInstance(id);
    await stack.host.getClient().purgeInstanceHistory(id);
  });

  it('answers a repeated request with the same ids and starts nothing new', async () => {
    // Act
    const first = await stack.api('POST', 'copies', { sourceRestorePointId: rp2 });
    const second = await stack.api('POST', 'copies', {
      sourceRestorePointId: rp2.toLowerCase(),
      targetRegions: ['West US 2', 'centralus'],
    });
    const ids = ['westus2', 'centralus'].map((region) => copyIdFor(rp2, region));
    await Promise.all(ids.map((id) => stack.waitForCopy(id)));
    const third = await stack.api('POST', 'copies', { sourceRestorePointId: rp2 });

    // Assess
    const idsOf = (response: { body: unknown }): string[] =>
      (response.body as { copies: { id: string }[] }).copies.map((copy) => copy.id);
    expect([idsOf(first), idsOf(second), idsOf(third)]).toEqual([ids, ids, ids]);
    expect((third.body as { copies: { status: string; statusUrl: string }[] }).copies).toEqual(
      ids.map((id, index) => ({
        id,
        sourceRestorePointId: rp2,
        targetRegion: ['westus2', 'centralus'][index],
        targetRestorePointId: restorePointId(`src-${['westus2', 'centralus'][index] ?? ''}`, 'rp2'),
        status: 'Succeeded',
        statusUrl: `/api/copies/${id}`,
      })),
    );
    for (const id of ids) {
      expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Succeeded']);
    }
  });

  it('answers 404 CopyNotFound for an unknown copy, to GET and to cancel', async () => {
    // Act
    const responses = await Promise.all([
      stack.api('GET', 'copies/rpcopy-westus2-00000000000000000000000000000000'),
      stack.api('GET', 'copies/not-a-copy-id'),
      stack.api('POST', 'copies/rpcopy-westus2-00000000000000000000000000000000/cancel'),
    ]);

    // Assess
    expect(
      responses.map((response) => [
        response.status,
        (response.body as { error: { code: string } }).error.code,
      ]),
    ).toEqual([
      [404, 'CopyNotFound'],
      [404, 'CopyNotFound'],
      [404, 'CopyNotFound'],
    ]);
  });

  it('lists copies with filters and pages them with a continuation token', async () => {
    // Act
    const all = (await stack.api('GET', 'copies')).body as ListResponse;
    const westus2 = (await stack.api('GET', 'copies?targetRegion=westus2')).body as ListResponse;
    const ofRp2 = (
      await stack.api('GET', `copies?sourceRestorePointId=${encodeURIComponent(rp2)}&status=Succeeded`)
    ).body as ListResponse;
    const queued = (await stack.api('GET', 'copies?status=Queued,Replicating')).body as ListResponse;
    const page1 = (await stack.api('GET', 'copies?top=2')).body as ListResponse;
    const page2 = (await stack.api('GET', `copies?top=2&continuationToken=${page1.continuationToken ?? ''}`))
      .body as ListResponse;
    const badStatus = await stack.api('GET', 'copies?status=Done');
    const badToken = await stack.api('GET', 'copies?continuationToken=abc');
    const badTop = await stack.api('GET', 'copies?top=0');

    // Assess
    expect(all.copies.map((copy) => copy.id).sort()).toEqual(
      [copyIdFor(rp1, 'westus2'), copyIdFor(rp2, 'westus2'), copyIdFor(rp2, 'centralus')].sort(),
    );
    expect(all.continuationToken).toBeNull();
    expect(westus2.copies.map((copy) => copy.id).sort()).toEqual(
      [copyIdFor(rp1, 'westus2'), copyIdFor(rp2, 'westus2')].sort(),
    );
    expect(ofRp2.copies.map((copy) => copy.id).sort()).toEqual(
      [copyIdFor(rp2, 'westus2'), copyIdFor(rp2, 'centralus')].sort(),
    );
    expect(queued.copies).toEqual([]);
    expect(page1.copies).toHaveLength(2);
    expect(page1.nextLink).toMatch(/^\/api\/copies\?(.+&)?continuationToken=/);
    expect([...page1.copies, ...page2.copies].map((copy) => copy.id)).toEqual(
      all.copies.map((copy) => copy.id),
    );
    expect(page2.continuationToken).toBeNull();
    expect([badStatus.status, badToken.status, badTop.status]).toEqual([400, 400, 400]);
  });

  it('needs the function key', async () => {
    // Act
    const response = await fetch(`${stack.host.baseUrl}/api/copies`);

    // Assess
    expect(response.status).toBe(401);
  });
});
