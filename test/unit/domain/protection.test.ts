import { describe, expect, it } from 'vitest';

import { copyError } from '../../../src/domain/copyDocument';
import type { PairFacts, TargetCopyFacts } from '../../../src/domain/protection';
import { evaluateProtection } from '../../../src/domain/protection';
import { pairIdFor, parsePairId } from '../../../src/pairId';
import { planRetention } from '../../../src/domain/retention';

const COLLECTION =
  '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/vm1';
const TARGET = `${COLLECTION}-westus2`;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);
const at = (hours: number): string => new Date(T0 + hours * HOUR).toISOString();

function copy(hours: number, patch: Partial<TargetCopyFacts> = {}): TargetCopyFacts {
  return {
    targetRestorePointId: `${TARGET}/restorePoints/rp${hours}`,
    sourceRestorePointId: `${COLLECTION}/restorePoints/rp${hours}`,
    sourceCreatedAt: at(hours),
    createdAt: at(hours + 0.1),
    replication: 'unknown',
    lineage: 'rpcopy',
    ...patch,
  };
}

/** Sources every 4 hours up to `newestSource`; copies given newest first. */
function facts(copies: TargetCopyFacts[], patch: Partial<PairFacts> = {}, newestSource = 20): PairFacts {
  const sources = Array.from({ length: newestSource / 4 + 1 }, (_, index) => ({
    id: `${COLLECTION}/restorePoints/rp${index * 4}`,
    name: `rp${index * 4}`,
    createdAt: at(index * 4),
  }));
  return {
    pair: {
      id: pairIdFor(COLLECTION, 'westus2'),
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      sourceCollectionId: COLLECTION,
      sourceVmId: null,
      sourceRegion: 'eastus',
      targetRegion: 'westus2',
      targetCollectionId: TARGET,
    },
    protection: {
      rpoHours: 12,
      rpoOrigin: 'rule',
      retention: undefined,
      retentionOrigin: 'none',
      warnings: [],
    },
    sources,
    target: { kind: 'collection', copies, orderKnown: true, tags: {}, location: 'westus2' },
    inFlight: null,
    lastFailure: null,
    unsure: [],
    ...patch,
  };
}

describe('evaluateProtection', () => {
  const usable20 = [copy(20, { replication: 'usable' }), copy(16), copy(12)];
  it.each([
    ['Protected', usable20, 25, undefined],
    ['AtRisk', usable20, 29.5, 'NoRecentSourceRestorePoint'],
    ['Breached', usable20, 33, 'NoRecentSourceRestorePoint'],
    ['Unprotected', [copy(20, { replication: 'failed' })], 21, 'CopyFailed'],
    ['Disabled', usable20, 40, 'RpoNotMonitored'],
  ])('%s', (state, copies, nowHours, reason) => {
    const base = facts(copies, {
      lastFailure: {
        copyId: 'c',
        status: 'Failed',
        sourceRestorePointId: `${COLLECTION}/restorePoints/rp20`,
        endedAt: at(20.5),
        error: copyError('platform-failure', 'X', 'boom'),
      },
    });
    const input =
      state === 'Disabled' ? { ...base, protection: { ...base.protection, rpoHours: null } } : base;
    const entry = evaluateProtection(input, new Date(T0 + nowHours * HOUR), 75);
    expect([entry.state, entry.reason?.code]).toEqual([state, reason]);
  });

  it('says "no source restore point for N hours" when the source stopped, and names the breach after the copy', () => {
    const entry = evaluateProtection(
      facts([copy(20, { replication: 'usable' })]),
      new Date(T0 + 50 * HOUR),
      75,
    );
    expect(entry).toMatchObject({
      state: 'Breached',
      rpo: { targetHours: 12, achievedHours: 30, atRiskAfterHours: 9 },
      reason: { code: 'NoRecentSourceRestorePoint', message: 'no source restore point for 30 hours' },
      breach: { id: at(20), since: at(32) },
    });
  });

  it('blames the last failure when newer sources exist but did not copy', () => {
    const failure = copyError('invalid', 'OperationNotAllowed', 'refused');
    const entry = evaluateProtection(
      facts([copy(12, { replication: 'usable' })], {
        lastFailure: {
          copyId: 'c20',
          status: 'Failed',
          sourceRestorePointId: 'rp20',
          endedAt: at(21),
          error: failure,
        },
      }),
      new Date(T0 + 25 * HOUR),
      75,
    );
    expect(entry.reason).toEqual({
      code: 'CopyFailed',
      message: 'The copy of rp20 ended Failed: refused',
      category: 'invalid',
      suggestion: failure.suggestion,
      copyId: 'c20',
    });
  });

  it('carries the last failure of a pair that an older copy still keeps Protected', () => {
    const lastFailure = {
      copyId: 'c20',
      status: 'Failed' as const,
      sourceRestorePointId: 'rp20',
      endedAt: at(21),
      error: copyError('platform-failure', 'X', 'boom'),
    };
    const entry = evaluateProtection(
      facts([copy(20, { replication: 'failed' }), copy(16, { replication: 'usable' })], { lastFailure }),
      new Date(T0 + 21 * HOUR),
      75,
    );
    expect([entry.state, entry.reason, entry.lastFailure]).toEqual(['Protected', null, lastFailure]);
  });
});

describe('planRetention', () => {
  const now = new Date(T0 + 30 * HOUR);
  const five = [copy(20, { replication: 'usable' }), copy(16), copy(12), copy(8), copy(4)];

  it('deletes beyond keepLast, oldest first', () => {
    expect(planRetention(facts(five), { keepLast: 3 }, now)).toEqual({
      kind: 'prune',
      delete: [copy(4), copy(8)].map((item) => ({
        targetRestorePointId: item.targetRestorePointId,
        sourceRestorePointId: item.sourceRestorePointId,
        createdAt: item.sourceCreatedAt,
        reason: 'not among the newest 3 copies',
      })),
      notes: [],
    });
  });

  it('keeps a copy either rule keeps, the newest usable copy always, and anything newer', () => {
    const copies = [copy(24, { replication: 'failed' }), ...five];
    const plan = planRetention(facts(copies), { keepLast: 1, maxAgeDays: 20 / 24 }, now);
    expect(plan.kind === 'prune' ? plan.delete.map((item) => item.createdAt) : plan).toEqual([at(4), at(8)]);
  });

  it('keeps what it cannot prove is rpcopy’s, and says so', () => {
    const copies = [
      ...five.slice(0, 4),
      copy(4, { lineage: 'unsure', lineageNote: 'its name is not rpcopy’s' }),
    ];
    const plan = planRetention(facts(copies), { keepLast: 1 }, now);
    expect(plan).toMatchObject({
      kind: 'prune',
      notes: [`kept ${TARGET}/restorePoints/rp4: its name is not rpcopy’s`],
    });
    expect(plan.kind === 'prune' ? plan.delete.length : 0).toBe(3);
  });

  it.each([
    [
      'a copy in flight',
      {
        inFlight: {
          copyId: 'c',
          status: 'Queued',
          sourceRestorePointId: 's',
          targetRestorePointId: null,
          percent: 0,
          etaSeconds: null,
          etaAt: null,
          stalled: false,
        },
      },
      'copy c into this collection is Queued',
    ],
    ['an unsure read', { unsure: ['9 source restore points wait'] }, '9 source restore points wait'],
    [
      'no usable copy',
      {
        target: {
          kind: 'collection',
          copies: [copy(20, { replication: 'failed' })],
          orderKnown: true,
          tags: {},
          location: 'westus2',
        },
      },
      'the pair has no usable copy yet',
    ],
    [
      'an unknown order',
      { target: { kind: 'collection', copies: five, orderKnown: false, tags: {}, location: 'westus2' } },
      'the copies could not be put in creation order (a creation time is missing)',
    ],
  ] as const)('deletes nothing with %s', (_name, patch, reason) => {
    expect(planRetention(facts(five, patch as Partial<PairFacts>), { keepLast: 1 }, now)).toEqual({
      kind: 'hold',
      reasons: [reason],
    });
  });

  it('deletes nothing while a copy replicates, and without a rule', () => {
    const replicating = [copy(24, { replication: 'replicating' }), ...five];
    expect(planRetention(facts(replicating), { keepLast: 1 }, now)).toEqual({
      kind: 'hold',
      reasons: ['a copy in the target collection is still replicating'],
    });
    expect(planRetention(facts(five), undefined, now)).toEqual({ kind: 'none' });
  });
});

describe('pair ids', () => {
  it('round-trip one canonical id per pair and refuse anything else', () => {
    const id = pairIdFor(COLLECTION.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'), 'WestUS2');
    expect(parsePairId(id)).toEqual({
      sourceCollectionId: COLLECTION.toLowerCase(),
      targetRegion: 'westus2',
    });
    expect(id).toBe(pairIdFor(COLLECTION, 'westus2'));
    expect(parsePairId('not a pair')).toBeUndefined();
    expect(parsePairId(Buffer.from(`${COLLECTION}|mars`).toString('base64url'))).toBeUndefined();
    expect(parsePairId(Buffer.from(`/nope|westus2`).toString('base64url'))).toBeUndefined();
  });
});
