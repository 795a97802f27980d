import { describe, expect, it } from 'vitest';

import { createCopyDocument } from '../../../src/domain/copyDocument';
import { buildCopyEvent, terminalEventType } from '../../../src/domain/copyEvents';

describe('copy events', () => {
  const document = {
    ...createCopyDocument({
      id: 'rpcopy-westus2-0123456789abcdef0123456789abcdef',
      sourceRestorePointId:
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/rp',
      sourceCollectionId:
        '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c',
      targetRegion: 'westus2',
      requestedBy: 'event-grid',
      createdAt: '2026-01-01T00:00:00.000Z',
    }),
    status: 'Succeeded' as const,
    usable: true,
    targetRestorePointId:
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c-westus2/restorePoints/rp',
  };

  it('builds a CloudEvent whose id is the copy id plus the type and whose data is the copy document', () => {
    expect(
      buildCopyEvent('RestorePointCopy.Succeeded', document, '/rpcopy', '2026-01-02T00:00:00.000Z'),
    ).toEqual({
      id: 'rpcopy-westus2-0123456789abcdef0123456789abcdef:RestorePointCopy.Succeeded',
      type: 'RestorePointCopy.Succeeded',
      source: '/rpcopy',
      subject: document.targetRestorePointId,
      time: '2026-01-02T00:00:00.000Z',
      datacontenttype: 'application/json',
      data: document,
    });
  });

  it('adds the attempt number to the id of a restarted copy, so its outcome is not deduplicated away', () => {
    // Prepare
    const restarted = { ...document, attempt: 2 };

    // Act
    const event = buildCopyEvent(
      'RestorePointCopy.Succeeded',
      restarted,
      '/rpcopy',
      '2026-01-03T00:00:00.000Z',
    );

    // Assess
    expect({ id: event.id, data: event.data }).toEqual({
      id: 'rpcopy-westus2-0123456789abcdef0123456789abcdef:attempt-2:RestorePointCopy.Succeeded',
      data: restarted,
    });
  });

  it('uses the source id as subject when no target was named', () => {
    expect(
      buildCopyEvent(
        'RestorePointCopy.Skipped',
        { ...document, targetRestorePointId: null },
        '/rpcopy',
        '2026-01-02T00:00:00.000Z',
      ).subject,
    ).toBe(document.sourceRestorePointId);
  });

  it.each([
    { status: 'Succeeded' as const, type: 'RestorePointCopy.Succeeded' },
    { status: 'Failed' as const, type: 'RestorePointCopy.Failed' },
    { status: 'TimedOut' as const, type: 'RestorePointCopy.TimedOut' },
    { status: 'Canceled' as const, type: 'RestorePointCopy.Canceled' },
    { status: 'Skipped' as const, type: 'RestorePointCopy.Skipped' },
    { status: 'Replicating' as const, type: undefined },
  ])('announces $status as $type', ({ status, type }) => {
    expect(terminalEventType(status)).toBe(type);
  });
});
