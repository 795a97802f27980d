import { afterEach, describe, expect, it } from 'vitest';
import type { SimHarness } from '../support/computeSim';
import {
  SUBSCRIPTION,
  createSourceRp,
  expectStatus,
  retryView,
  restorePointId,
  collectionId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

const MIN = 60_000;

describe('copy PUT throttle: 3 per rolling hour per target collection', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('answers the 4th copy PUT within an hour with 429 and the seconds until a slot frees', async () => {
    // Prepare: 1 GiB disks replicate within the first 1-minute refresh, so the in-flight rule does not interfere.
    h = await startSimHarness({ progressIntervalMs: MIN });
    await seedPair(h, { location: 'eastus', osDiskGB: 1, targetRegion: 'westus' });
    for (const name of ['rp1', 'rp2', 'rp3', 'rp4']) {
      await createSourceRp(h, name);
    }
    const copy = (name: string) =>
      h.call('PUT', restorePointId('dst', name), {
        properties: { sourceRestorePoint: { id: restorePointId('src', name) } },
      });

    // Act: three copy PUTs two minutes apart, then a fourth.
    const firstAt = h.clock.now();
    const remaining: (string | null)[] = [];
    for (const name of ['rp1', 'rp2', 'rp3']) {
      remaining.push(
        (await expectStatus(copy(name), [201])).headers.get('x-ms-ratelimit-remaining-resource'),
      );
      await h.clock.advanceBy(2 * MIN);
    }
    const throttled = await copy('rp4');

    // Assess
    expect(remaining).toEqual([
      'Microsoft.Compute/RestorePointCopy1Hour;2',
      'Microsoft.Compute/RestorePointCopy1Hour;1',
      'Microsoft.Compute/RestorePointCopy1Hour;0',
    ]);
    const wait = Math.ceil((firstAt + 60 * MIN - h.clock.now()) / 1000);
    expect(retryView(throttled)).toEqual({
      status: 429,
      retryAfter: String(wait),
      body: {
        error: {
          code: 'TooManyRequests',
          message: `The copy request rate for restore point collection 'dst' is limited to 3 per hour. Retry after ${wait} seconds.`,
          details: [
            {
              code: 'TooManyRequests',
              message: 'Copy requests in the last hour: 3.',
              target: 'Microsoft.Compute/RestorePointCopy1Hour',
            },
          ],
        },
      },
    });
    // Act: a refused PUT takes no slot, so retry just before and as the oldest slot frees.
    await h.clock.advanceBy(wait * 1000 - 1000);
    const justBefore = (await copy('rp4')).status;
    await h.clock.advanceBy(1000);
    const asItFrees = (await copy('rp4')).status;

    // Assess
    expect([justBefore, asItFrees]).toEqual([429, 201]);
  });

  it('counts per target collection', async () => {
    // Prepare: one copy PUT an hour, spent in dst and in dst2 by rp1.
    h = await startSimHarness({ progressIntervalMs: MIN, copyPutsPerHour: 1 });
    await seedPair(h, { location: 'eastus', osDiskGB: 1, targetRegion: 'westus' });
    await expectStatus(
      h.call('PUT', collectionId('dst2'), {
        location: 'centralus',
        properties: { source: { id: collectionId('src') } },
      }),
      [201],
    );
    await createSourceRp(h, 'rp1');
    await createSourceRp(h, 'rp2');
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    await expectStatus(
      h.call('PUT', restorePointId('dst2', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    await h.clock.advanceBy(2 * MIN);

    // Act
    const second = await h.call('PUT', restorePointId('dst', 'rp2'), {
      properties: { sourceRestorePoint: { id: restorePointId('src', 'rp2') } },
    });

    // Assess
    expect(second.status).toBe(429);
  });
});

describe('subscription read budget', () => {
  let h: SimHarness;
  afterEach(() => h.close());

  it('reports remaining reads, answers 429 with Retry-After when spent, and refills on clock time', async () => {
    // Prepare
    h = await startSimHarness({ readBudget: { capacity: 3, refillPerSecond: 0.5 } });
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
    h.sim.clearRequestLog();

    // Act: spend the budget, then read once more.
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      remaining.push(
        (await h.call('GET', collectionId('src'))).headers.get('x-ms-ratelimit-remaining-subscription-reads'),
      );
    }
    const throttled = await h.call('GET', collectionId('src'));

    // Assess
    expect(remaining).toEqual(['2', '1', '0']);
    expect(retryView(throttled)).toEqual({
      status: 429,
      retryAfter: '2',
      body: {
        error: {
          code: 'TooManyRequests',
          message: `Number of read requests for subscription '${SUBSCRIPTION}' exceeded the limit. Please try again after '2' seconds.`,
          details: [
            { code: 'SubscriptionRequestsThrottled', message: 'Subscription read budget exhausted.' },
          ],
        },
      },
    });
    // Act and assess, step by step: writes do not spend the read budget...
    expect(
      (
        await h.call('PUT', collectionId('x'), {
          location: 'westus',
          properties: { source: { id: collectionId('src') } },
        })
      ).status,
    ).toBe(201);
    // ...another subscription has its own bucket, and the budget refills on clock time.
    const other = await h.call(
      'GET',
      `/subscriptions/other/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/none`,
    );
    expect(other.status).toBe(404);
    await h.clock.advanceBy(2000);
    expect((await h.call('GET', collectionId('src'))).status).toBe(200);

    // Assess: the request log saw each of them.
    const log = h.sim.requestLog;
    expect({
      gets: log.filter((e) => e.method === 'GET').length,
      throttled: log.filter((e) => e.status === 429).length,
    }).toEqual({ gets: 6, throttled: 1 });
    expect(log.map((e) => [e.method, e.status, e.errorCode])).toEqual([
      ['GET', 200, undefined],
      ['GET', 200, undefined],
      ['GET', 200, undefined],
      ['GET', 429, 'TooManyRequests'],
      ['PUT', 201, undefined],
      ['GET', 404, 'ResourceNotFound'],
      ['GET', 200, undefined],
    ]);
  });

  it("defaults to ARM's 250-read bucket", async () => {
    h = await startSimHarness();
    await seedPair(h, { location: 'eastus', targetRegion: 'westus' });
    expect(
      (await h.call('GET', collectionId('src'))).headers.get('x-ms-ratelimit-remaining-subscription-reads'),
    ).toBe('249');
  });
});
