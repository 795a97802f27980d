import { describe, expect, it } from 'vitest';

import type { LiveCopy, TurnRequest } from '../../../src/domain/ordering';
import { decideTurn, evaluateOrdering } from '../../../src/domain/ordering';

const SUB = '11111111-2222-3333-4444-555555555555';
const OTHER_SUB = '99999999-2222-3333-4444-555555555555';
const collection = (name: string, sub = SUB): string =>
  `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/${name}`;
const rp = (name: string): string => `${collection('src')}/restorePoints/${name}`;

describe('copy order', () => {
  const copies = [
    {
      targetRestorePointId: 't1',
      sourceRestorePointId: rp('rp1'),
      sourceCreatedAt: '2026-01-01T01:00:00.000Z',
    },
    {
      targetRestorePointId: 't3',
      sourceRestorePointId: rp('rp3'),
      sourceCreatedAt: '2026-01-01T03:00:00.000Z',
    },
    { targetRestorePointId: 'tx', sourceRestorePointId: rp('deleted') },
  ];

  it.each([
    { name: 'rp4', createdAt: '2026-01-01T04:00:00.000Z', expected: { kind: 'in-order' } },
    {
      name: 'RP3',
      createdAt: '2026-01-01T03:00:00.000Z',
      expected: { kind: 'already-copied', targetRestorePointId: 't3' },
    },
    {
      name: 'rp2',
      createdAt: '2026-01-01T02:00:00.000Z',
      expected: {
        kind: 'out-of-order',
        newerSourceRestorePointId: rp('rp3'),
        newerSourceCreatedAt: '2026-01-01T03:00:00.000Z',
      },
    },
  ])('judges $name against copies of rp1 and rp3', ({ name, createdAt, expected }) => {
    expect(evaluateOrdering({ restorePointId: rp(name), createdAt }, copies)).toEqual(expected);
  });

  it('refuses an older restore point whose own failed target is still there once a newer one is copied', () => {
    // Act
    const verdict = evaluateOrdering(
      { restorePointId: rp('rp1'), createdAt: '2026-01-01T01:00:00.000Z' },
      copies,
    );

    // Assess
    expect(verdict).toEqual({
      kind: 'out-of-order',
      newerSourceRestorePointId: rp('rp3'),
      newerSourceCreatedAt: '2026-01-01T03:00:00.000Z',
    });
  });
});

describe('turn decision', () => {
  const request: TurnRequest = {
    id: 'me',
    sourceCollectionId: collection('src'),
    targetRegion: 'westus2',
    sourceCreatedAt: '2026-01-01T02:00:00.000Z',
    createdAt: '2026-01-01T05:00:00.000Z',
    maxConcurrentCopies: 2,
  };
  const live = (overrides: Partial<LiveCopy> & { id: string }): LiveCopy => ({
    status: 'Queued',
    sourceCollectionId: collection('src'),
    targetRegion: 'westus2',
    sourceCreatedAt: '2026-01-01T03:00:00.000Z',
    createdAt: '2026-01-01T05:00:00.000Z',
    ...overrides,
  });

  it('goes when nothing else runs', () => {
    expect(decideTurn(request, [live({ id: 'me' })])).toEqual({ kind: 'go' });
  });

  it('waits while another copy of the pair replicates, even a newer one', () => {
    expect(decideTurn(request, [live({ id: 'other', status: 'Replicating' })])).toEqual({
      kind: 'wait',
      reason: 'pair-busy',
      blockingCopyId: 'other',
    });
  });

  it('lets the older source restore point of the pair go first', () => {
    // Act
    const newer = decideTurn({ ...request, id: 'newer', sourceCreatedAt: '2026-01-01T03:00:00.000Z' }, [
      live({ id: 'older', sourceCreatedAt: '2026-01-01T02:00:00.000Z' }),
    ]);
    const older = decideTurn(request, [live({ id: 'newer' })]);

    // Assess
    expect(newer).toEqual({ kind: 'wait', reason: 'older-first', blockingCopyId: 'older' });
    expect(older).toEqual({ kind: 'go' });
  });

  it('ignores other regions and the same region of another collection for the pair rule', () => {
    expect(
      decideTurn(request, [
        live({ id: 'a', status: 'Replicating', targetRegion: 'centralus' }),
        live({ id: 'b', status: 'Replicating', sourceCollectionId: collection('other') }),
      ]),
    ).toEqual({ kind: 'go' });
  });

  it('holds the cap per subscription and region, counting active copies and earlier queued heads', () => {
    // Prepare
    const busy = [
      live({ id: 'a', status: 'Replicating', sourceCollectionId: collection('c1') }),
      live({
        id: 'b',
        status: 'Queued',
        sourceCollectionId: collection('c2'),
        createdAt: '2026-01-01T04:00:00.000Z',
      }),
      live({ id: 'c', status: 'Replicating', sourceCollectionId: collection('c3', OTHER_SUB) }),
    ];

    // Act
    const decision = decideTurn(request, busy);
    const withRoom = decideTurn({ ...request, maxConcurrentCopies: 3 }, busy);

    // Assess
    expect(decision).toEqual({ kind: 'wait', reason: 'capacity' });
    expect(withRoom).toEqual({ kind: 'go' });
  });
});
