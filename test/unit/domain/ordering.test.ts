import { describe, expect, it } from 'vitest';

import { evaluateOrdering } from '../../../src/domain/ordering';

const SUB = '11111111-2222-3333-4444-555555555555';
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
