import { describe, expect, it } from 'vitest';

import type { CopyDoc, PairEntry, ProtectionList } from '../../web/dashboard/panels';
import {
  MAX_FAILURE_READS,
  MAX_PROTECTION_PAGES,
  allPairs,
  copiesInFlight,
  failures,
} from '../../web/dashboard/panels';

const SUMMARY = { Protected: 0, AtRisk: 0, Breached: 0, Unprotected: 0, Disabled: 0 };

function pair(name: string, extra: Partial<PairEntry> = {}): PairEntry {
  return {
    id: `pair-${name}`,
    state: 'Unprotected',
    sourceCollectionId: `/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/restorePointCollections/${name}`,
    sourceVmId: null,
    targetRegion: 'westus2',
    rpo: { targetHours: 12, achievedHours: null },
    copyInFlight: null,
    reason: null,
    ...extra,
  };
}

function failed(name: string, copyId: string): PairEntry {
  return pair(name, {
    reason: {
      code: 'CopyFailed',
      message: `The copy ended Failed: disk ${name} broke`,
      category: 'Platform',
      suggestion: `retry ${name}`,
      copyId,
    },
  });
}

describe('allPairs', () => {
  it('follows every nextLink and reports the walk complete', async () => {
    // Prepare: three pages.
    const pages: Record<string, ProtectionList> = {
      '/api/protection?top=200': { summary: SUMMARY, pairs: [pair('a')], nextLink: '/api/protection?p=2' },
      '/api/protection?p=2': { summary: SUMMARY, pairs: [pair('b')], nextLink: '/api/protection?p=3' },
      '/api/protection?p=3': { summary: SUMMARY, pairs: [pair('c')], nextLink: null },
    };
    const asked: string[] = [];

    // Act
    const result = await allPairs(<T>(path: string) => {
      asked.push(path);
      return Promise.resolve(pages[path] as T);
    });

    // Assess
    expect(result).toEqual({ summary: SUMMARY, pairs: [pair('a'), pair('b'), pair('c')], complete: true });
    expect(asked).toEqual(Object.keys(pages));
  });

  it('stops at the page bound and says the list is partial', async () => {
    // Prepare: a server that always has one more page.
    let served = 0;

    // Act
    const result = await allPairs(<T>() => {
      served += 1;
      return Promise.resolve({
        summary: SUMMARY,
        pairs: [pair(`p${served}`)],
        nextLink: '/api/protection?more',
      } as T);
    });

    // Assess
    expect(served).toBe(MAX_PROTECTION_PAGES);
    expect(result.pairs).toHaveLength(MAX_PROTECTION_PAGES);
    expect(result.complete).toBe(false);
  });
});

describe('copiesInFlight', () => {
  it('takes one row per pair from its copy in flight', () => {
    // Prepare
    const flight = { copyId: 'c1', status: 'Replicating', percent: 40, etaSeconds: 600, stalled: false };
    const pairs = [pair('a'), pair('b', { copyInFlight: flight })];

    // Act / Assess
    expect(copiesInFlight(pairs)).toEqual([
      {
        ...flight,
        pairId: 'pair-b',
        sourceCollectionId: pairs[1]?.sourceCollectionId,
        targetRegion: 'westus2',
      },
    ]);
  });
});

describe('failures', () => {
  it('lists each failing pair once, newest end first, with the document’s status and fix', async () => {
    // Prepare: c-old ended first; c-gone's document was purged, so the pair's reason stands in.
    const documents: Record<string, CopyDoc> = {
      'c-old': {
        id: 'c-old',
        status: 'TimedOut',
        createdAt: '2026-01-01T00:00:00.000Z',
        completedAt: '2026-01-01T05:00:00.000Z',
        error: { category: 'Timeout', message: 'too slow', suggestion: 'wait' },
      },
      'c-new': {
        id: 'c-new',
        status: 'Failed',
        createdAt: '2026-01-01T06:00:00.000Z',
        completedAt: '2026-01-01T07:00:00.000Z',
        error: { category: 'Platform', message: 'disk broke', suggestion: 'retry' },
      },
    };
    const pairs = [pair('ok'), failed('old', 'c-old'), failed('gone', 'c-gone'), failed('new', 'c-new')];

    // Act
    const result = await failures(pairs, (copyId) => Promise.resolve(documents[copyId]));

    // Assess
    const where = (name: string): { pairId: string; sourceCollectionId: string; targetRegion: string } => ({
      pairId: `pair-${name}`,
      sourceCollectionId: pair(name).sourceCollectionId,
      targetRegion: 'westus2',
    });
    expect(result).toEqual({
      total: 3,
      rows: [
        {
          copyId: 'c-new',
          ...where('new'),
          status: 'Failed',
          endedAt: '2026-01-01T07:00:00.000Z',
          category: 'Platform',
          message: 'disk broke',
          suggestion: 'retry',
        },
        {
          copyId: 'c-old',
          ...where('old'),
          status: 'TimedOut',
          endedAt: '2026-01-01T05:00:00.000Z',
          category: 'Timeout',
          message: 'too slow',
          suggestion: 'wait',
        },
        {
          copyId: 'c-gone',
          ...where('gone'),
          status: null,
          endedAt: null,
          category: 'Platform',
          message: 'The copy ended Failed: disk gone broke',
          suggestion: 'retry gone',
        },
      ],
    });
  });

  it('reads at most the bound and counts the rest', async () => {
    // Prepare
    const pairs = Array.from({ length: MAX_FAILURE_READS + 5 }, (_, i) => failed(`p${i}`, `c${i}`));
    const read: string[] = [];

    // Act
    const result = await failures(pairs, (copyId) => {
      read.push(copyId);
      return Promise.resolve(undefined);
    });

    // Assess
    expect(read).toHaveLength(MAX_FAILURE_READS);
    expect(result.rows).toHaveLength(MAX_FAILURE_READS);
    expect(result.total).toBe(MAX_FAILURE_READS + 5);
  });

  it('propagates a failed read instead of showing a partial panel as whole', async () => {
    // Act / Assess
    await expect(
      failures([failed('a', 'c-a')], () => Promise.reject(new Error('answered 500'))),
    ).rejects.toThrow('answered 500');
  });
});
