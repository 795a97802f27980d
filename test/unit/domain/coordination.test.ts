import { describe, expect, it } from 'vitest';

import type { CapacityState, LineMember, PairMember, PairState } from '../../../src/domain/coordination';
import {
  LineOperationError,
  capacityKey,
  operateCapacity,
  operatePair,
  pairKey,
} from '../../../src/domain/coordination';

const SUB = '11111111-2222-3333-4444-555555555555';
const collection = (name: string, sub = SUB, rg = 'RG-One'): string =>
  `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Compute/restorePointCollections/${name}`;

const member = (copyId: string, attempt = 1): LineMember => ({ copyId, attempt });
const pairMember = (copyId: string, sourceHour: number, attempt = 1): PairMember => ({
  copyId,
  attempt,
  sourceCreatedAt: `2026-01-01T${String(sourceHour).padStart(2, '0')}:00:00.000Z`,
  createdAt: '2026-01-02T00:00:00.000Z',
});

/** Applies operations in order, returning the final state and every reply and wake list. */
function runCapacity(operations: [string, unknown][]): {
  state: CapacityState | undefined;
  replies: unknown[];
  wakes: LineMember[][];
} {
  let state: CapacityState | undefined;
  const replies: unknown[] = [];
  const wakes: LineMember[][] = [];
  for (const [name, input] of operations) {
    const change = operateCapacity(state, name, input);
    state = change.state;
    replies.push(change.reply);
    wakes.push(change.wake);
  }
  return { state, replies, wakes };
}

function runPair(operations: [string, unknown][]): {
  state: PairState | undefined;
  replies: unknown[];
  wakes: LineMember[][];
} {
  let state: PairState | undefined;
  const replies: unknown[] = [];
  const wakes: LineMember[][] = [];
  for (const [name, input] of operations) {
    const change = operatePair(state, name, input);
    state = change.state;
    replies.push(change.reply);
    wakes.push(change.wake);
  }
  return { state, replies, wakes };
}

describe('entity keys', () => {
  it.each([
    {
      name: 'lower-cases the names and joins them with ~',
      collectionId: collection('Src-VM1'),
      region: 'WestUS2',
      pair: `westus2~${SUB}~rg-one~src-vm1`,
      capacity: `westus2~${SUB}`,
    },
    {
      name: 'one key for every spelling of the same collection',
      collectionId: `${collection('SRC-vm1').toUpperCase().replace('/SUBSCRIPTIONS', 'subscriptions')}/`,
      region: 'westus2',
      pair: `westus2~${SUB}~rg-one~src-vm1`,
      capacity: `westus2~${SUB}`,
    },
    {
      name: 'URI-encodes a collection name that holds characters instance ids must not',
      collectionId: collection('a~b(c)é'),
      region: 'centralus',
      pair: `centralus~${SUB}~rg-one~${encodeURIComponent('a~b(c)é')}`,
      capacity: `centralus~${SUB}`,
    },
    {
      name: 'still a valid key for an id that is not a collection id',
      collectionId: 'not/an#id?',
      region: 'westus2',
      pair: `westus2~an%23id%3F~~${encodeURIComponent('/not/an#id?')}`,
      capacity: 'westus2~an%23id%3F',
    },
  ])('$name', ({ collectionId, region, pair, capacity }) => {
    expect({ pair: pairKey(collectionId, region), capacity: capacityKey(collectionId, region) }).toEqual({
      pair,
      capacity,
    });
    const forbidden = [...pairKey(collectionId, region)].filter(
      (char) => '/\\#?'.includes(char) || char.charCodeAt(0) < 0x20 || char.charCodeAt(0) > 0x7e,
    );
    expect(forbidden).toEqual([]);
  });
});

describe('capacity line', () => {
  it('grants up to the limit, then queues first come, first served', () => {
    const { state, replies } = runCapacity([
      ['acquire', { ...member('a'), limit: 2 }],
      ['acquire', { ...member('b'), limit: 2 }],
      ['acquire', { ...member('c'), limit: 2 }],
      ['acquire', { ...member('d'), limit: 2 }],
    ]);
    expect(replies).toEqual([
      { kind: 'granted' },
      { kind: 'granted' },
      { kind: 'waiting', position: 0, ahead: [member('a'), member('b')] },
      { kind: 'waiting', position: 1, ahead: [] },
    ]);
    expect(state).toEqual({
      limit: 2,
      holders: [member('a'), member('b')],
      waiting: [member('c'), member('d')],
    });
  });

  it('hands a released slot to the first waiter inside the entity and names whom to wake', () => {
    const { state, replies, wakes } = runCapacity([
      ['acquire', { ...member('a'), limit: 1 }],
      ['acquire', { ...member('b'), limit: 1 }],
      ['acquire', { ...member('c'), limit: 1 }],
      ['release', member('a')],
      ['acquire', { ...member('b'), limit: 1 }],
    ]);
    expect(replies.slice(3)).toEqual([{ wake: [member('b'), member('c')] }, { kind: 'granted' }]);
    expect(wakes.slice(3)).toEqual([[member('b'), member('c')], []]);
    expect(state).toEqual({ limit: 1, holders: [member('b')], waiting: [member('c')] });
  });

  it('never holds more than the limit, whatever order 50 copies ask and leave in', () => {
    let state: CapacityState | undefined;
    let most = 0;
    const ids = Array.from({ length: 50 }, (_, index) => `copy-${index}`);
    const order = [...ids, ...ids.filter((_, index) => index % 3 === 0), ...ids];
    for (const [step, id] of order.entries()) {
      const name =
        step >= ids.length && state?.holders.some((entry) => entry.copyId === id) ? 'release' : 'acquire';
      state = operateCapacity(
        state,
        name,
        name === 'release' ? member(id) : { ...member(id), limit: 10 },
      ).state;
      most = Math.max(most, state.holders.length);
    }
    expect(most).toBe(10);
  });

  it('asking again keeps the place; a restarted copy (higher attempt) takes over its ended run', () => {
    const { state, replies } = runCapacity([
      ['acquire', { ...member('a'), limit: 1 }],
      ['acquire', { ...member('b'), limit: 1 }],
      ['acquire', { ...member('b'), limit: 1 }],
      ['acquire', { ...member('a', 2), limit: 1 }],
      // A waiter that found attempt 1 ended reclaims it: too late, attempt 2 holds the slot now.
      ['release', member('a', 1)],
    ]);
    expect(replies).toEqual([
      { kind: 'granted' },
      { kind: 'waiting', position: 0, ahead: [member('a')] },
      { kind: 'waiting', position: 0, ahead: [member('a')] },
      { kind: 'granted' },
      { wake: [] },
    ]);
    expect(state).toEqual({ limit: 1, holders: [member('a', 2)], waiting: [member('b')] });
  });

  it('lets waiters in at once when the limit is raised, and wakes them', () => {
    const { state, replies, wakes } = runCapacity([
      ['acquire', { ...member('a'), limit: 1 }],
      ['acquire', { ...member('b'), limit: 1 }],
      ['acquire', { ...member('c'), limit: 1 }],
      ['acquire', { ...member('d'), limit: 3 }],
    ]);
    expect(replies.at(-1)).toEqual({
      kind: 'waiting',
      position: 0,
      ahead: [member('a'), member('b'), member('c')],
    });
    expect(wakes.at(-1)).toEqual([member('b'), member('c')]);
    expect(state).toEqual({
      limit: 3,
      holders: [member('a'), member('b'), member('c')],
      waiting: [member('d')],
    });
  });

  it('a waiter that leaves moves the next one to the front, who is woken', () => {
    const { state, wakes } = runCapacity([
      ['acquire', { ...member('a'), limit: 1 }],
      ['acquire', { ...member('b'), limit: 1 }],
      ['acquire', { ...member('c'), limit: 1 }],
      ['release', member('b')],
      ['release', member('nobody')],
    ]);
    expect(wakes.slice(3)).toEqual([[member('c')], []]);
    expect(state).toEqual({ limit: 1, holders: [member('a')], waiting: [member('c')] });
  });

  it.each([
    { operation: 'acquire', input: { copyId: 'a', attempt: 1 }, message: /acquire needs/ },
    { operation: 'acquire', input: { copyId: 'a', attempt: 1, limit: 0 }, message: /acquire needs/ },
    { operation: 'acquire', input: { copyId: '', attempt: 1, limit: 2 }, message: /acquire needs/ },
    { operation: 'release', input: { copyId: 'a', attempt: 0 }, message: /release needs/ },
    { operation: 'release', input: null, message: /release needs/ },
    { operation: 'grab', input: member('a'), message: /Unknown operation 'grab'.*acquire, release/ },
    { operation: undefined, input: member('a'), message: /Unknown operation 'undefined'/ },
  ])('refuses $operation with $input clearly', ({ operation, input, message }) => {
    expect(() => operateCapacity(undefined, operation, input)).toThrow(LineOperationError);
    expect(() => operateCapacity(undefined, operation, input)).toThrow(message);
  });
});

describe('pair line', () => {
  it('tells the first copy it is first and queues the rest in source-creation order, whatever order they ask in', () => {
    const { state, replies } = runPair([
      ['join', pairMember('rp3', 3)],
      ['join', pairMember('rp5', 5)],
      ['join', pairMember('rp1', 1)],
      ['join', pairMember('rp4', 4)],
    ]);
    expect(replies).toEqual([
      { kind: 'first' },
      { kind: 'waiting', position: 1, ahead: [member('rp3')] },
      { kind: 'first' },
      { kind: 'waiting', position: 2, ahead: [] },
    ]);
    expect(state?.waiting.map((entry) => entry.copyId)).toEqual(['rp1', 'rp3', 'rp4', 'rp5']);
    expect(state?.holders).toEqual([]);
  });

  it('lets only the first claim the pair: an older restore point that asked later goes before an unclaimed first', () => {
    const { state, replies, wakes } = runPair([
      ['join', pairMember('rp3', 3)],
      ['join', pairMember('rp1', 1)],
      ['claim', member('rp3')],
      ['claim', member('rp1')],
      ['claim', member('rp1')],
      ['join', pairMember('rp0', 0)],
      ['claim', member('rp0')],
    ]);
    expect(replies).toEqual([
      { kind: 'first' },
      { kind: 'first' },
      { kind: 'waiting', position: 1, ahead: [member('rp1')] },
      { kind: 'granted' },
      { kind: 'granted' },
      { kind: 'waiting', position: 0, ahead: [member('rp1')] },
      { kind: 'waiting', position: 0, ahead: [member('rp1')] },
    ]);
    expect(wakes.flat()).toEqual([]);
    expect(state).toEqual({
      limit: 1,
      holders: [pairMember('rp1', 1)],
      waiting: [pairMember('rp0', 0), pairMember('rp3', 3)],
    });
  });

  it('breaks ties by request time, then by id', () => {
    const late = { ...pairMember('b', 2), createdAt: '2026-01-03T00:00:00.000Z' };
    const { state } = runPair([
      ['join', pairMember('holder', 1)],
      ['claim', member('holder')],
      ['join', late],
      ['join', pairMember('c', 2)],
      ['join', pairMember('a', 2)],
    ]);
    expect(state?.waiting.map((entry) => entry.copyId)).toEqual(['a', 'c', 'b']);
  });

  it('when the holder leaves, wakes the new first, who claims the pair in turn', () => {
    const { state, replies, wakes } = runPair([
      ['join', pairMember('rp1', 1)],
      ['claim', member('rp1')],
      ['join', pairMember('rp3', 3)],
      ['join', pairMember('rp2', 2)],
      ['leave', member('rp1')],
      ['join', pairMember('rp2', 2)],
      ['claim', member('rp2')],
      ['leave', member('rp2')],
      ['claim', member('rp3')],
      ['leave', member('rp3')],
    ]);
    expect(replies.slice(4)).toEqual([
      { wake: [member('rp2')] },
      { kind: 'first' },
      { kind: 'granted' },
      { wake: [member('rp3')] },
      { kind: 'granted' },
      { wake: [] },
    ]);
    expect(wakes.slice(4)).toEqual([[member('rp2')], [], [], [member('rp3')], [], []]);
    expect(state).toEqual({ limit: 1, holders: [], waiting: [] });
  });

  it.each([
    { operation: 'join', input: member('a'), message: /join needs/ },
    {
      operation: 'join',
      input: { ...pairMember('a', 1), sourceCreatedAt: 'yesterday' },
      message: /join needs/,
    },
    { operation: 'leave', input: { copyId: 7, attempt: 1 }, message: /leave needs/ },
    { operation: 'acquire', input: member('a'), message: /Unknown operation 'acquire'.*join, claim, leave/ },
    { operation: 'claim', input: { copyId: 'a' }, message: /claim needs/ },
  ])('refuses $operation with $input clearly', ({ operation, input, message }) => {
    expect(() => operatePair(undefined, operation, input)).toThrow(message);
  });
});
