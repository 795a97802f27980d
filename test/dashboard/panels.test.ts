import { describe, expect, it } from 'vitest';

import type { PairEntry, ProtectionList } from '../../web/dashboard/panels';
import { MAX_PROTECTION_PAGES, allPairs, copiesInFlight, failures } from '../../web/dashboard/panels';

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
    lastFailure: null,
    ...extra,
  };
}

/** A pair whose last failure ended at `endedAt`; `blocking` makes it the pair's reason too. */
function failed(name: string, copyId: string, endedAt: string | null, blocking = true): PairEntry {
  const error = {
    code: 'ReplicationState/failed',
    message: `disk ${name} broke`,
    category: 'platform-failure',
    suggestion: `retry ${name}`,
  };
  return pair(name, {
    state: blocking ? 'Unprotected' : 'Protected',
    reason: blocking
      ? {
          code: 'CopyFailed',
          message: `The copy ended Failed: ${error.message}`,
          category: error.category,
          suggestion: error.suggestion,
          copyId,
        }
      : null,
    lastFailure: { copyId, status: 'Failed', sourceRestorePointId: `rp-${name}`, endedAt, error },
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
  it('lists every pair’s last failure, newest end first, also on pairs an older copy keeps Protected', () => {
    // Prepare: 'new' is still Protected by an older copy; 'undated' has no end time; 'ok' never failed.
    const pairs = [
      pair('ok'),
      failed('old', 'c-old', '2026-01-01T05:00:00.000Z'),
      failed('undated', 'c-undated', null),
      failed('new', 'c-new', '2026-01-01T07:00:00.000Z', false),
    ];

    // Act
    const result = failures(pairs);

    // Assess
    const row = (name: string, copyId: string, endedAt: string | null, keepsFromRpo: boolean) => ({
      copyId,
      pairId: `pair-${name}`,
      sourceCollectionId: pair(name).sourceCollectionId,
      targetRegion: 'westus2',
      status: 'Failed',
      endedAt,
      category: 'platform-failure',
      message: `disk ${name} broke`,
      suggestion: `retry ${name}`,
      keepsFromRpo,
    });
    expect(result).toEqual([
      row('new', 'c-new', '2026-01-01T07:00:00.000Z', false),
      row('old', 'c-old', '2026-01-01T05:00:00.000Z', true),
      row('undated', 'c-undated', null, true),
    ]);
  });

  it('lists nothing when no pair has a failure', () => {
    expect(failures([pair('a'), pair('b', { state: 'Protected' })])).toEqual([]);
  });
});
