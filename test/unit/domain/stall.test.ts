import { describe, expect, it } from 'vitest';

import type { CopyDocument } from '../../../src/domain/copyDocument';
import { createCopyDocument } from '../../../src/domain/copyDocument';
import type { PollState } from '../../../src/domain/polling';
import { STALL_SUGGESTION } from '../../../src/domain/protectionEvents';
import { historyCopies, rpoSeries } from '../../../src/domain/protectionHistory';
import { detectStall } from '../../../src/domain/stall';
import { ServerClock } from '../../../src/azure/serverClock';

const settings = {
  refreshIntervalSeconds: 600,
  maxIntervalSeconds: 21_600,
  firstPollSeconds: 60,
  stallAfterPolls: 3,
};

function document(percent: number, disks: [string, number][]): CopyDocument {
  return {
    ...createCopyDocument({
      id: 'copy-1',
      sourceRestorePointId: '/s/rp1',
      sourceCollectionId: '/s',
      targetRegion: 'westus2',
      requestedBy: 'http',
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
    status: 'Replicating',
    targetRestorePointId: '/t/rp1',
    progress: {
      percent,
      etaSeconds: null,
      stalled: true,
      disks: disks.map(([id, diskPercent]) => ({
        id,
        percent: diskPercent,
        status: diskPercent === 100 ? ('Succeeded' as const) : ('Replicating' as const),
      })),
    },
  };
}

const poll = (unchangedPolls: number): PollState => ({
  samples: [
    { at: '2026-01-01T00:10:00.000Z', percent: 10 },
    { at: '2026-01-01T00:20:00.000Z', percent: 40 },
    { at: '2026-01-01T00:30:00.000Z', percent: 40 },
    { at: '2026-01-01T00:50:00.000Z', percent: 40 },
    { at: '2026-01-01T01:30:00.000Z', percent: 40 },
  ],
  unchangedPolls,
  lastDelaySeconds: 2400,
  // The last change was seen at 00:20 (epoch seconds).
  changedAt: Date.parse('2026-01-01T00:20:00.000Z') / 1000,
});

describe('detectStall', () => {
  const check = {
    document: document(40, [
      ['os', 100],
      ['data', 25],
    ]),
    previousDisks: [
      { id: 'os', percent: 100, status: 'Succeeded' as const },
      { id: 'data', percent: 25, status: 'Replicating' as const },
    ],
    settings,
    now: '2026-01-01T01:30:00.000Z',
  };

  it('announces a stall once, with the disks that did not move and for how long', () => {
    expect(detectStall({ ...check, poll: poll(3), announcedPercent: undefined })).toEqual({
      copyId: 'copy-1',
      sourceRestorePointId: '/s/rp1',
      targetRestorePointId: '/t/rp1',
      targetRegion: 'westus2',
      percent: 40,
      stalledSince: '2026-01-01T00:20:00.000Z',
      stalledForSeconds: 4200,
      disks: [{ id: 'data', percent: 25 }],
      suggestion: STALL_SUGGESTION,
    });
    expect(detectStall({ ...check, poll: poll(4), announcedPercent: 40 })).toBeUndefined();
    expect(detectStall({ ...check, poll: poll(2), announcedPercent: undefined })).toBeUndefined();
    expect(detectStall({ ...check, poll: poll(3), announcedPercent: 30 })?.percent).toBe(40);
  });
});

describe('pair history', () => {
  it('derives durations and the achieved-RPO sawtooth from the copies', () => {
    const copies = [
      {
        targetRestorePointId: '/t/rp4',
        sourceRestorePointId: '/s/rp4',
        sourceCreatedAt: '2026-01-01T04:00:00.000Z',
        replication: 'usable' as const,
        lineage: 'rpcopy' as const,
      },
      {
        targetRestorePointId: '/t/rp0',
        sourceRestorePointId: '/s/rp0',
        sourceCreatedAt: '2026-01-01T00:00:00.000Z',
        replication: 'unknown' as const,
        lineage: 'rpcopy' as const,
      },
    ];
    const doc = (id: string, created: string, completed: string): CopyDocument => ({
      ...document(100, []),
      id,
      status: 'Succeeded',
      usable: true,
      createdAt: created,
      completedAt: completed,
    });
    const documents = new Map([
      ['c-rp0', doc('c-rp0', '2026-01-01T00:01:00.000Z', '2026-01-01T01:01:00.000Z')],
      ['c-rp4', doc('c-rp4', '2026-01-01T04:01:00.000Z', '2026-01-01T04:31:00.000Z')],
    ]);
    const now = new Date('2026-01-01T06:00:00.000Z');
    const history = historyCopies(
      copies,
      documents,
      (copy) => `c-${copy.sourceRestorePointId.slice(3)}`,
      now,
    );
    expect(history.map((copy) => [copy.copyId, copy.durationSeconds])).toEqual([
      ['c-rp0', 3600],
      ['c-rp4', 1800],
    ]);
    expect(rpoSeries(history, now)).toEqual([
      { at: '2026-01-01T01:01:00.000Z', hours: 1.02 },
      { at: '2026-01-01T04:31:00.000Z', hours: 4.52 },
      { at: '2026-01-01T04:31:00.000Z', hours: 0.52 },
      { at: '2026-01-01T06:00:00.000Z', hours: 2 },
    ]);
  });
});

describe('ServerClock', () => {
  it('reads ARM time from Date headers, moves it on by local time, and keeps the newest', () => {
    let local = 1_000_000;
    const clock = new ServerClock(() => local);
    expect(clock.serverNow()).toBeUndefined();
    clock.observe('Thu, 01 Jan 2026 00:00:00 GMT');
    local += 1500;
    expect(clock.serverNow()?.toISOString()).toBe('2026-01-01T00:00:01.500Z');
    clock.observe('Wed, 31 Dec 2025 23:00:00 GMT');
    clock.observe('not a date');
    clock.observe(undefined);
    expect(clock.serverNow()?.toISOString()).toBe('2026-01-01T00:00:01.500Z');
    clock.observe('Fri, 02 Jan 2026 00:00:00 GMT');
    expect(clock.serverNow()?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
  });
});
