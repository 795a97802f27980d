import { afterEach, describe, expect, it } from 'vitest';

import type { LogEntry } from '../../dev/host/worker/invocation';
import { pairIdFor } from '../../src/pairId';
import type { PairDetail } from '../../src/services/protectionView';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { SUBSCRIPTION, START, collectionId, restorePointId, seedSource } from '../support/computeSim';
import { HOUR_MS, newSourceRestorePoint, policy, protection, runTo } from './support';

describe('GET /api/protection, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('lists every pair with its state, filters, pages, and shows one pair with its history', async () => {
    // Prepare: src is copied; src2 has garbage tags and no restore point; src3 is not monitored.
    const logs: LogEntry[] = [];
    stack = await startAppStack({
      settings: { RPCOPY_POLICY: policy({ rpoHours: 12 }) },
      log: (entry) => logs.push(entry),
    });
    await seedSource(stack.h, { diskSizesGB: [8] });
    await seedSource(stack.h, {
      vm: 'vm2',
      collection: 'src2',
      tags: { 'rpcopy-rpo': 'soon', 'rpcopy-retention': 'keep=all' },
    });
    await seedSource(stack.h, { vm: 'vm3', collection: 'src3', tags: { 'RPCopy-RPO': 'none' } });
    for (const hour of [0, 4]) {
      await runTo(stack, START + hour * HOUR_MS);
      await newSourceRestorePoint(stack, `rp${hour}`);
    }
    await runTo(stack, START + 5 * HOUR_MS);

    // Act
    const all = await protection(stack);
    const unprotected = await protection(stack, '?state=unprotected,Disabled&region=westus2');
    const otherSubscription = await protection(stack, '?subscription=00000000-0000-0000-0000-000000000001');
    const pages: string[][] = [];
    let query = '?top=4';
    for (let page = 0; page < 5; page++) {
      const body = await protection(stack, query);
      pages.push(body.pairs.map((pair) => pair.id));
      if (body.continuationToken === null) {
        break;
      }
      query = `?top=4&continuationToken=${body.continuationToken}`;
      expect(body.nextLink).toContain(`continuationToken=${body.continuationToken}`);
    }
    const detail = await stack.api('GET', `protection/${pairIdFor(collectionId('src'), 'westus2')}`);

    // Assess
    const key = (name: string, region: string): string => `${name}→${region}`;
    expect(
      all.pairs.map((pair) => [
        key(pair.sourceCollectionId.split('/').at(-1) ?? '', pair.targetRegion),
        pair.state,
      ]),
    ).toEqual([
      [key('src', 'centralus'), 'Protected'],
      [key('src', 'westus2'), 'Protected'],
      [key('src2', 'centralus'), 'Unprotected'],
      [key('src2', 'westus2'), 'Unprotected'],
      [key('src3', 'centralus'), 'Disabled'],
      [key('src3', 'westus2'), 'Disabled'],
    ]);
    expect(all.summary).toEqual({ Protected: 2, AtRisk: 0, Breached: 0, Unprotected: 2, Disabled: 2 });
    // ARM's clock (the simulator's virtual one) plus the real milliseconds since its last answer.
    expect(Date.parse(all.evaluatedAt) - (START + 5 * HOUR_MS)).toBeGreaterThanOrEqual(0);
    expect(Date.parse(all.evaluatedAt) - (START + 5 * HOUR_MS)).toBeLessThan(10_000);
    const src2 = all.pairs.find((pair) => pair.sourceCollectionId === collectionId('src2'));
    expect(src2).toMatchObject({
      rpo: { targetHours: 12, origin: 'rule', achievedHours: null },
      reason: { code: 'NoSourceRestorePoint' },
      warnings: [
        "tag rpcopy-rpo ignored: must be a number of hours or 'none', got 'soon'",
        "tag rpcopy-retention ignored: must be 'keepLast=N', 'maxAgeDays=D', both separated by a comma, or 'none', got 'keep=all'",
      ],
    });
    expect(
      logs.some(
        (entry) =>
          entry.message.includes(collectionId('src2')) && entry.message.includes('tag rpcopy-rpo ignored'),
      ),
    ).toBe(true);
    const src = all.pairs.find((pair) => pair.id === pairIdFor(collectionId('src'), 'westus2'));
    expect(src).toMatchObject({
      state: 'Protected',
      subscriptionId: SUBSCRIPTION,
      sourceRegion: 'eastus',
      targetCollectionId: collectionId('src-westus2'),
      rpo: { targetHours: 12, achievedHours: 1, atRiskAfterHours: 9 },
      newestUsableCopy: {
        targetRestorePointId: restorePointId('src-westus2', 'rp4'),
        sourceRestorePointId: restorePointId('src', 'rp4'),
        sourceCreatedAt: new Date(START + 4 * HOUR_MS).toISOString(),
        sourceCreatedAtApproximate: false,
      },
      copyInFlight: null,
      reason: null,
      lastFailure: null,
      breach: null,
      warnings: [],
    });
    expect(unprotected.pairs.map((pair) => [pair.sourceCollectionId, pair.state])).toEqual([
      [collectionId('src2'), 'Unprotected'],
      [collectionId('src3'), 'Disabled'],
    ]);
    expect(unprotected.summary).toEqual({
      Protected: 1,
      AtRisk: 0,
      Breached: 0,
      Unprotected: 1,
      Disabled: 1,
    });
    expect(otherSubscription.pairs).toEqual([]);
    expect(pages.map((page) => page.length)).toEqual([4, 2]);
    expect(pages.flat()).toEqual(all.pairs.map((pair) => pair.id));

    expect(detail.status).toBe(200);
    const { history, evaluatedAt } = detail.body as PairDetail;
    expect(history.copies.map((copy) => [copy.sourceRestorePointId, copy.status, copy.usable])).toEqual([
      [restorePointId('src', 'rp0'), 'Succeeded', true],
      [restorePointId('src', 'rp4'), 'Succeeded', true],
    ]);
    for (const copy of history.copies) {
      expect(copy.durationSeconds).toBe(
        (Date.parse(copy.completedAt ?? '') - Date.parse(copy.requestedAt ?? '')) / 1000,
      );
      expect(copy.durationSeconds).toBeGreaterThan(0);
    }
    // Sawtooth: after rp0 lands, grows to rp4's landing, drops to rp4's age, grows until now.
    const [rp0, rp4] = history.copies;
    const hours = (from: string, to: string): number =>
      Math.round(((Date.parse(to) - Date.parse(from)) / HOUR_MS) * 100) / 100;
    expect(history.rpo).toEqual([
      { at: rp0?.completedAt, hours: hours(rp0?.sourceCreatedAt ?? '', rp0?.completedAt ?? '') },
      { at: rp4?.completedAt, hours: hours(rp0?.sourceCreatedAt ?? '', rp4?.completedAt ?? '') },
      { at: rp4?.completedAt, hours: hours(rp4?.sourceCreatedAt ?? '', rp4?.completedAt ?? '') },
      { at: evaluatedAt, hours: 1 },
    ]);
  });

  it('answers bad input with a 4xx and a clear error', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8] });
    const outOfScope = pairIdFor(collectionId('src'), 'eastus');
    const missing = pairIdFor(collectionId('nope'), 'westus2');

    // Act
    const responses = await Promise.all(
      [
        'protection?state=Bogus',
        'protection?region=mars',
        'protection?top=0',
        'protection?top=1e2',
        'protection?subscription=abc',
        'protection?continuationToken=not-a-token',
        'protection?color=blue',
        'protection/not-a-pair',
        `protection/${outOfScope}`,
        `protection/${missing}`,
      ].map(async (route) => {
        const response = await stack.api('GET', route);
        return [response.status, (response.body as { error: { code: string } }).error.code];
      }),
    );

    // Assess
    expect(responses).toEqual([
      [400, 'InvalidQuery'],
      [400, 'InvalidQuery'],
      [400, 'InvalidQuery'],
      [400, 'InvalidQuery'],
      [400, 'InvalidQuery'],
      [400, 'InvalidContinuationToken'],
      [400, 'InvalidQuery'],
      [400, 'InvalidPairId'],
      [404, 'PairNotFound'],
      [404, 'PairNotFound'],
    ]);
  });

  it('answers 503 ConfigurationError listing every invalid RPO and retention setting', async () => {
    // Prepare
    stack = await startAppStack({
      settings: {
        RPCOPY_POLICY: policy({ rpoHours: 0, retention: { keepLast: 0, maxAgeDays: 'a week' } }),
        RPCOPY_DEFAULT_RPO_HOURS: 'daily',
        RPCOPY_RPO_AT_RISK_PERCENT: '150',
        RPCOPY_RETENTION_DRY_RUN: 'maybe',
      },
    });

    // Act
    const response = await stack.api('GET', 'protection');

    // Assess
    expect(response).toMatchObject({
      status: 503,
      body: {
        error: {
          code: 'ConfigurationError',
          message:
            "rpcopy is not configured correctly: RPCOPY_POLICY[0].rpoHours must be above 0 and at most 8784 hours, got 0; RPCOPY_POLICY[0].retention.maxAgeDays must be numbers; RPCOPY_DEFAULT_RPO_HOURS must be a number of hours or 'none', got 'daily'; RPCOPY_RETENTION_DRY_RUN must be 'true' or 'false', got 'maybe'; RPCOPY_RPO_AT_RISK_PERCENT must be between 1 and 100, got 150",
        },
      },
    });
  });
});
