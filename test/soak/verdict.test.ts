import { describe, expect, it } from 'vitest';
import {
  countSoak,
  renderSoakTable,
  unhonouredCancels,
  soakFailures,
  type ObservedCopy,
  type ObservedEvent,
  type SoakObservations,
} from '../../dev/soak/verdict';

const SOURCE = '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/restorePointCollections/c';
const TARGET = `${SOURCE}-westus2`;

function copy(id: string, status: string, extra: Partial<ObservedCopy> = {}): ObservedCopy {
  return {
    id,
    status,
    sourceRestorePointId: `${SOURCE}/restorePoints/${id}`,
    targetRegion: 'westus2',
    ...extra,
  };
}

function event(copyId: string, type: string, attempt?: number): ObservedEvent {
  const suffix = attempt === undefined ? '' : `:${attempt}`;
  return {
    id: `${copyId}${suffix}:RestorePointCopy.${type}`,
    type: `RestorePointCopy.${type}`,
    data: { id: copyId, status: type, ...(attempt === undefined ? {} : { attempt }) },
  };
}

function observations(extra: Partial<SoakObservations>): SoakObservations {
  return {
    expectedCopies: 0,
    seenCopyIds: new Set(),
    finalCopies: [],
    events: [],
    targets: [],
    sourceCreatedAt: new Map(),
    cancels: [],
    peakMemoryBytes: 0,
    ...extra,
  };
}

describe('soak verdict', () => {
  it('counts a clean run as nothing lost', () => {
    const counts = countSoak(
      observations({
        expectedCopies: 4,
        seenCopyIds: new Set(['a', 'b', 'c']),
        finalCopies: [copy('a', 'Succeeded'), copy('b', 'Canceled'), copy('c', 'Failed', { attempt: 2 })],
        events: [
          event('a', 'Started'),
          event('a', 'Succeeded'),
          event('a', 'Succeeded'),
          event('b', 'Canceled'),
          event('c', 'Failed'),
          event('c', 'Failed', 2),
        ],
        cancels: [
          { copyId: 'b', status: 202 },
          { copyId: 'a', status: 409 },
        ],
        peakMemoryBytes: 300 * 1024 * 1024,
      }),
    );
    expect(counts).toEqual({
      copiesStarted: 3,
      copiesNeverStarted: 1,
      copiesTerminal: 3,
      copiesLost: 0,
      copiesDuplicated: 0,
      cancelsAccepted: 1,
      cancelsHonoured: 1,
      eventsDuplicated: 0,
      eventsMissing: 0,
      eventsRedelivered: 1,
      outOfOrderAttempts: 0,
      peakMemoryMiB: 300,
    });
    expect(soakFailures(counts)).toEqual([]);
  });

  it('finds every kind of loss and duplication', () => {
    const counts = countSoak(
      observations({
        // 'gone' was seen once and vanished; 'stuck' never ended.
        seenCopyIds: new Set(['a', 'b', 'stuck', 'gone', 'late']),
        finalCopies: [
          copy('a', 'Succeeded'),
          copy('b', 'Succeeded'),
          copy('stuck', 'Replicating'),
          copy('late', 'Failed', { error: { category: 'ordering' } }),
          // A second document for the pair of 'a'.
          { ...copy('a2', 'Succeeded'), sourceRestorePointId: `${SOURCE}/restorePoints/a` },
        ],
        events: [
          event('a', 'Succeeded'),
          event('a', 'Canceled'),
          event('a2', 'Succeeded'),
          event('late', 'Failed'),
          // 'b' ended without its event.
        ],
        // Two targets of one source, and one created after a newer source's.
        targets: [
          { collectionId: TARGET, sourceRestorePointId: `${SOURCE}/restorePoints/new`, createdAt: 1 },
          { collectionId: TARGET, sourceRestorePointId: `${SOURCE}/restorePoints/old`, createdAt: 2 },
          { collectionId: TARGET, sourceRestorePointId: `${SOURCE}/restorePoints/old`, createdAt: 3 },
        ],
        sourceCreatedAt: new Map([
          [`${SOURCE}/restorePoints/old`.toLowerCase(), 100],
          [`${SOURCE}/restorePoints/new`.toLowerCase(), 200],
        ]),
        cancels: [
          { copyId: 'a', status: 202 },
          { copyId: 'stuck', status: 202 },
          { copyId: 'b', status: 0 },
        ],
      }),
    );
    expect(counts).toEqual({
      copiesStarted: 5,
      copiesNeverStarted: 0,
      copiesTerminal: 4,
      copiesLost: 2,
      copiesDuplicated: 2,
      cancelsAccepted: 2,
      cancelsHonoured: 0,
      eventsDuplicated: 1,
      eventsMissing: 1,
      eventsRedelivered: 0,
      outOfOrderAttempts: 3,
      peakMemoryMiB: 0,
    });
    expect(
      unhonouredCancels(
        observations({
          finalCopies: [copy('a', 'Succeeded'), copy('b', 'Canceled'), copy('c', 'Canceled')],
          events: [event('a', 'Started'), event('a', 'Succeeded'), event('b', 'Canceled')],
          cancels: ['a', 'b', 'c', 'gone'].map((copyId) => ({ copyId, status: 202 })),
        }),
      ),
    ).toEqual([
      { copyId: 'a', finalStatus: 'Succeeded', events: ['Started', 'Succeeded'] },
      { copyId: 'c', finalStatus: 'Canceled', events: [] },
      { copyId: 'gone', finalStatus: 'gone', events: [] },
    ]);
    expect(soakFailures(counts)).toEqual([
      '2 lost copies',
      '2 duplicated copies',
      '2 accepted cancels not honoured',
      '1 duplicated terminal events',
      '1 missing terminal events',
      '3 out-of-order copy attempts',
    ]);
  });

  it('prints one table with a fixed layout', () => {
    const table = renderSoakTable({
      copiesStarted: 352,
      copiesNeverStarted: 8,
      copiesTerminal: 352,
      copiesLost: 0,
      copiesDuplicated: 0,
      cancelsAccepted: 31,
      cancelsHonoured: 31,
      eventsDuplicated: 0,
      eventsMissing: 0,
      eventsRedelivered: 2,
      outOfOrderAttempts: 0,
      peakMemoryMiB: 412,
    });
    expect(table).toBe(
      [
        '+-----------------+-----------------------+----------+',
        '| what            | measure               |    count |',
        '+-----------------+-----------------------+----------+',
        '| copies          | started               |      352 |',
        '|                 | never started         |        8 |',
        '|                 | terminal              |      352 |',
        '|                 | lost                  |        0 |',
        '|                 | duplicated            |        0 |',
        '| cancels         | accepted              |       31 |',
        '|                 | honoured              |       31 |',
        '| terminal events | duplicated            |        0 |',
        '|                 | missing               |        0 |',
        '|                 | redelivered (same id) |        2 |',
        '| copy attempts   | out of order          |        0 |',
        '| stack process   | peak memory (MiB)     |      412 |',
        '+-----------------+-----------------------+----------+',
      ].join('\n'),
    );
  });
});
