import { describe, expect, it } from 'vitest';

import type { BoundedRetryOptions, ComputeReads } from '../../../src/azure/boundedRetries';
import { gatewayWithBoundedRetries, withBoundedRetries } from '../../../src/azure/boundedRetries';
import type { ComputeGateway } from '../../../src/azure/computeGateway';
import type { CollectionView } from '../../../src/domain/restorePoints';
import { AzureRequestError } from '../../../src/errors';

const ref = { subscriptionId: 's', resourceGroup: 'rg', collectionName: 'c' };
const collection: CollectionView = { id: '/c', name: 'c', location: 'eastus', tags: {} };

/** A gateway that fails with `failures` in turn, then answers. */
function failingThen(failures: AzureRequestError[]): { compute: ComputeReads; calls: () => number } {
  let calls = 0;
  const compute: ComputeReads = {
    getRestorePoint: () => Promise.resolve(undefined),
    getRestorePointCollection: () => {
      const failure = failures[calls++];
      return failure === undefined ? Promise.resolve(collection) : Promise.reject(failure);
    },
  };
  return { compute, calls: () => calls };
}

function options(sleeps: number[]): BoundedRetryOptions {
  return {
    retries: 3,
    baseDelayMs: 200,
    maxRetryAfterMs: 5_000,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
  };
}

const dropped = (): AzureRequestError => new AzureRequestError('GET failed: socket hang up');

describe('withBoundedRetries', () => {
  it.each([
    {
      why: 'a dropped connection and a 503, with jittered backoff',
      failures: [dropped(), new AzureRequestError('503', { statusCode: 503 })],
      sleeps: [100, 200],
    },
    {
      why: 'a 429 with a short Retry-After, waited in full',
      failures: [new AzureRequestError('429', { statusCode: 429, retryAfterSeconds: 2 })],
      sleeps: [2_100],
    },
    {
      why: 'a 500 with Retry-After, capped',
      failures: [new AzureRequestError('500', { statusCode: 500, retryAfterSeconds: 60 })],
      sleeps: [5_100],
    },
  ])('retries $why, then answers', async ({ failures, sleeps: expected }) => {
    // Prepare
    const sleeps: number[] = [];
    const { compute, calls } = failingThen(failures);

    // Act
    const result = await withBoundedRetries(compute, options(sleeps)).getRestorePointCollection(ref);

    // Assess
    expect({ result, calls: calls(), sleeps }).toEqual({
      result: collection,
      calls: failures.length + 1,
      sleeps: expected,
    });
  });

  it.each([
    { why: 'a 403', failure: new AzureRequestError('403', { statusCode: 403 }) },
    { why: 'a 404', failure: new AzureRequestError('404', { statusCode: 404 }) },
    {
      why: 'a 429 with a long Retry-After',
      failure: new AzureRequestError('429', { statusCode: 429, retryAfterSeconds: 60 }),
    },
    { why: 'a 429 without Retry-After', failure: new AzureRequestError('429', { statusCode: 429 }) },
  ])('answers $why at once', async ({ failure }) => {
    // Prepare
    const sleeps: number[] = [];
    const { compute, calls } = failingThen([failure]);

    // Act
    const outcome = withBoundedRetries(compute, options(sleeps)).getRestorePointCollection(ref);

    // Assess
    await expect(outcome).rejects.toBe(failure);
    expect({ calls: calls(), sleeps }).toEqual({ calls: 1, sleeps: [] });
  });

  it('gives up after three retries and throws the last failure', async () => {
    // Prepare
    const sleeps: number[] = [];
    const failures = [dropped(), dropped(), dropped(), dropped()];
    const { compute, calls } = failingThen(failures);

    // Act
    const outcome = withBoundedRetries(compute, options(sleeps)).getRestorePointCollection(ref);

    // Assess
    await expect(outcome).rejects.toBe(failures[3]);
    expect({ calls: calls(), sleeps }).toEqual({ calls: 4, sleeps: [100, 200, 400] });
  });
});

describe('gatewayWithBoundedRetries', () => {
  const listed = (name: string): CollectionView => ({ id: `/c/${name}`, name, location: 'eastus', tags: {} });

  /** A gateway whose listing fails after `failAfter[attempt]` items on each attempt (undefined: never). */
  function listingThatBreaks(failAfter: (number | undefined)[]): {
    compute: ComputeGateway;
    attempts: () => number;
  } {
    let attempts = 0;
    const items = ['a', 'b', 'c', 'd'].map(listed);
    const compute = {
      async *listRestorePointCollections() {
        const breakAt = failAfter[attempts++];
        for (const [index, item] of items.entries()) {
          if (index === breakAt) {
            await Promise.resolve();
            throw dropped();
          }
          yield item;
        }
      },
    } as Partial<ComputeGateway> as ComputeGateway;
    return { compute, attempts: () => attempts };
  }

  it('reads a listing that broke part-way again and hands out each collection once', async () => {
    // Prepare
    const sleeps: number[] = [];
    const { compute, attempts } = listingThatBreaks([0, 2, 3]);

    // Act
    const names: string[] = [];
    for await (const item of gatewayWithBoundedRetries(compute, options(sleeps)).listRestorePointCollections(
      's',
    )) {
      names.push(item.name);
    }

    // Assess
    expect({ names, attempts: attempts(), sleeps }).toEqual({
      names: ['a', 'b', 'c', 'd'],
      attempts: 4,
      sleeps: [100, 200, 400],
    });
  });

  it('gives up on a listing that keeps breaking', async () => {
    // Prepare
    const { compute } = listingThatBreaks([1, 1, 1, 1]);
    const names: string[] = [];

    // Act
    const outcome = (async () => {
      for await (const item of gatewayWithBoundedRetries(compute, options([])).listRestorePointCollections(
        's',
      )) {
        names.push(item.name);
      }
    })();

    // Assess
    await expect(outcome).rejects.toThrow('socket hang up');
    expect(names).toEqual(['a']);
  });

  it('passes writes through once, without retrying them', async () => {
    // Prepare
    let calls = 0;
    const compute = {
      beginDeleteRestorePoint: () => {
        calls += 1;
        return Promise.reject(dropped());
      },
    } as Partial<ComputeGateway> as ComputeGateway;

    // Act
    const outcome = gatewayWithBoundedRetries(compute, options([])).beginDeleteRestorePoint({
      ...ref,
      restorePointName: 'rp',
    });

    // Assess
    await expect(outcome).rejects.toThrow('socket hang up');
    expect(calls).toBe(1);
  });
});
