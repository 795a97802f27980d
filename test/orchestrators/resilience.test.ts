import { afterEach, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

describe('resilience, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

  it('finishes a copy after the host is killed mid-replication, without a second copy request', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [1024], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    const id = copyIdFor(source, 'westus2');
    await stack.api('POST', 'copies', { sourceRestorePointId: source });
    await stack.clock.runUntil(async () => (await document(id)).status === 'Replicating');

    // Act
    await stack.restartHost();
    const status = await stack.waitForCopy(id);
    const copy = await document(id);

    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    expect(copy).toMatchObject({ status: 'Succeeded', usable: true });
    const copyPuts = stack.h.sim.requestLog.filter(
      (entry) =>
        entry.method === 'PUT' &&
        entry.path.toLowerCase() === restorePointId('src-westus2', 'rp1').toLowerCase(),
    );
    expect(copyPuts.map((entry) => entry.status)).toEqual([201]);
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Succeeded']);
  });

  it('holds the concurrency cap per subscription and region across collections', async () => {
    // Prepare
    stack = await startAppStack({ settings: { RPCOPY_MAX_CONCURRENT_COPIES: '1' } });
    await seedSource(stack.h, {
      vm: 'vm1',
      collection: 'a',
      diskSizesGB: [512],
      tags: { 'rpcopy-targets': 'westus2' },
    });
    await seedSource(stack.h, {
      vm: 'vm2',
      collection: 'b',
      diskSizesGB: [512],
      tags: { 'rpcopy-targets': 'westus2' },
    });
    const first = await createSourceRestorePoint(stack.h, 'rp1', 'a');
    const second = await createSourceRestorePoint(stack.h, 'rp1', 'b');
    const [firstId, secondId] = [copyIdFor(first, 'westus2'), copyIdFor(second, 'westus2')];

    // Act
    await stack.api('POST', 'copies', { sourceRestorePointId: first });
    await stack.clock.runUntil(async () => (await document(firstId)).status === 'Replicating');
    await stack.api('POST', 'copies', { sourceRestorePointId: second });
    await stack.clock.advanceBy(3_600_000);
    const secondWhileFirstRuns = await document(secondId);
    await stack.waitForCopy(secondId);
    const [a, b] = await Promise.all([document(firstId), document(secondId)]);

    // Assess
    expect(secondWhileFirstRuns.status).toBe('Queued');
    expect([a.status, b.status]).toEqual(['Succeeded', 'Succeeded']);
    expect(Date.parse(b.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(a.completedAt ?? ''));
  });

  it('gives up with category throttled when Azure throttles the copy request until the deadline', async () => {
    // Prepare
    stack = await startAppStack({ settings: { RPCOPY_COPY_TIMEOUT_HOURS: '3' } });
    await seedSource(stack.h, { diskSizesGB: [8], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    stack.h.sim.setFaults([
      {
        kind: 'http',
        method: 'PUT',
        path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/src-westus2/restorePoints/*',
        effect: { type: 'throttle', retryAfterSeconds: 1800 },
      },
    ]);
    const id = copyIdFor(source, 'westus2');

    // Act
    await stack.api('POST', 'copies', { sourceRestorePointId: source });
    await stack.waitForCopy(id);
    const copy = await document(id);

    // Assess
    expect(copy).toMatchObject({
      status: 'TimedOut',
      startedAt: null,
      error: { category: 'throttled', code: 'ThrottledTooLong' },
    });
    const throttled = stack.h.sim.requestLog.filter((entry) => entry.fault === 'throttle');
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expect(throttled.length).toBeLessThanOrEqual(7);
  });

  it('answers 503 with every configuration problem instead of crashing', async () => {
    // Prepare
    stack = await startAppStack({
      settings: { RPCOPY_ALLOWED_SUBSCRIPTIONS: 'prod', RPCOPY_MAX_CONCURRENT_COPIES: '0' },
    });

    // Act
    const response = await stack.api('POST', 'copies', {
      sourceRestorePointId: restorePointId('src', 'rp1'),
    });

    // Assess
    expect(response).toEqual({
      status: 503,
      body: {
        error: {
          code: 'ConfigurationError',
          message:
            'rpcopy is not configured correctly: RPCOPY_ALLOWED_SUBSCRIPTIONS has values that are not subscription ids: prod; ' +
            'RPCOPY_POLICY[0].scope is in subscription 00000000-0000-0000-0000-00000000c0de, which is not in RPCOPY_ALLOWED_SUBSCRIPTIONS; ' +
            'RPCOPY_MAX_CONCURRENT_COPIES must be between 1 and 1000, got 0',
        },
      },
    });
  });
});
