// The entity scheduler's rules as pure functions: what joins the queue, what runs in a batch, how a lock
// is granted and handed on, and which releases an ended execution owes.
import { describe, expect, it } from 'vitest';

import type { HistoryEvent } from '../../../../dev/host/contract';
import {
  deterministicGuid,
  emptySchedulerState,
  entityOfSchedulerId,
  grantLock,
  planBatch,
  receiveMessages,
  releaseJson,
  releasesOwed,
  requestMessage,
  type RequestMessage,
  type SchedulerState,
} from '../../../../dev/host/durable/entityProtocol';

const NOW = Date.UTC(2026, 0, 1);
const MADT = 'Microsoft.Azure.WebJobs.Extensions.DurableTask';

function op(id: string, parent?: string, extra: Partial<RequestMessage> = {}): RequestMessage {
  return {
    ...requestMessage({ operation: 'add', isSignal: true, input: '1', id, ...(parent ? { parent } : {}) }),
    ...extra,
  };
}

function raised(name: string, input: unknown): HistoryEvent {
  return {
    EventType: 15,
    EventId: -1,
    IsPlayed: false,
    Timestamp: '',
    Name: name,
    Input: JSON.stringify(input),
  };
}

function state(patch: Partial<SchedulerState>): SchedulerState {
  return { ...emptySchedulerState(), ...patch };
}

describe('entity scheduler rules', () => {
  it('queues requests in arrival order, puts the lock holder’s first, and honours only its release', () => {
    const locked = state({ lockedBy: 'orch', queue: [op('waiting', 'other')] });
    const received = receiveMessages(locked, [
      raised('op', op('later', 'other')),
      raised('op', op('mine', 'orch')),
      raised('release', JSON.parse(releaseJson('other', 'x')) as unknown),
      { EventType: 4, EventId: 0, IsPlayed: false, Timestamp: '' },
      raised('op', { not: 'a request' }),
    ]);
    expect(received.state.queue.map((request) => request.id)).toEqual(['mine', 'waiting', 'later']);
    expect(received.state.lockedBy).toBe('orch');
    expect(received.dropped).toEqual([
      'an event of type 4 is not an entity message',
      'the request "{\\"not\\":\\"a request\\"}" is not a RequestMessage',
    ]);
    const released = receiveMessages(received.state, [
      raised('release', JSON.parse(releaseJson('orch', 'x')) as unknown),
    ]);
    expect(released.state.lockedBy).toBeNull();
  });

  it('batches what may run now, stops at a lock request and at the size limit', () => {
    const lock = op('lock', 'o', { op: null, lockset: [] });
    expect(planBatch(state({ queue: [op('a'), op('b'), lock, op('c')] }), 10)).toMatchObject({
      operations: [{ id: 'a' }, { id: 'b' }],
      lockRequest: { id: 'lock' },
      continueAfter: false,
      state: { queue: [{ id: 'c' }] },
    });
    expect(planBatch(state({ queue: [op('a'), op('b'), op('c')] }), 2)).toMatchObject({
      operations: [{ id: 'a' }, { id: 'b' }],
      lockRequest: undefined,
      continueAfter: true,
    });
    // Locked by someone else: nothing runs, nothing is lost.
    const blocked = planBatch(state({ lockedBy: 'o', queue: [op('a', 'x')] }), 10);
    expect(blocked).toMatchObject({ operations: [], lockRequest: undefined, continueAfter: false });
    expect(blocked.state.queue).toHaveLength(1);
  });

  it('grants a lock and forwards the request along the lock set, then answers the requester', () => {
    const request = requestMessage({
      isSignal: false,
      input: null,
      id: 'L',
      parent: 'orch',
      parentExecution: 'e1',
      lockSet: [
        { name: 'account', key: 'a' },
        { name: 'account', key: 'b' },
      ],
    });
    const first = grantLock(emptySchedulerState(), request, NOW);
    expect(first.state.lockedBy).toBe('orch');
    expect(first.message.instanceId).toBe('@account@b');
    expect(JSON.parse(String(first.message.event.Input))).toEqual({ ...request, pos: 1 });
    const last = grantLock(emptySchedulerState(), { ...request, pos: 1 }, NOW);
    expect(last.message).toEqual({
      instanceId: 'orch',
      executionId: 'e1',
      event: {
        EventType: 15,
        EventId: -1,
        IsPlayed: false,
        Timestamp: new Date(NOW).toISOString(),
        Name: 'L',
        Input: JSON.stringify({
          $type: `${MADT}.ResponseMessage, ${MADT}`,
          result: 'Lock Acquisition Completed',
        }),
        ParentTraceContext: null,
      },
    });
  });

  it('owes releases for the last lock request not released since', () => {
    const sent = (name: string, input: unknown): HistoryEvent => ({
      EventType: 14,
      EventId: 0,
      IsPlayed: true,
      Timestamp: '',
      InstanceId: '@account@a',
      Name: name,
      Input: JSON.stringify(input),
    });
    const lockSet = [
      { name: 'account', key: 'a' },
      { name: 'account', key: 'b' },
    ];
    const lock = (id: string): RequestMessage =>
      requestMessage({ isSignal: false, input: null, id, parent: 'o', lockSet });
    expect(
      releasesOwed('o', [sent('op', lock('L1')), sent('release', {}), sent('release', {})], NOW),
    ).toEqual([]);
    expect(
      releasesOwed('o', [sent('op', lock('L1')), sent('release', {}), sent('op', lock('L2'))], NOW).map(
        (m) => [m.instanceId, m.event.Name, JSON.parse(String(m.event.Input))],
      ),
    ).toEqual([
      ['@account@a', 'release', { $type: `${MADT}.ReleaseMessage, ${MADT}`, parent: 'o', id: 'L2' }],
      ['@account@b', 'release', { $type: `${MADT}.ReleaseMessage, ${MADT}`, parent: 'o', id: 'L2' }],
    ]);
  });

  it('parses scheduler IDs like the extension and makes name-based GUIDs', () => {
    expect(entityOfSchedulerId('@Counter@a@b')).toEqual({ name: 'counter', key: 'a@b' });
    expect(() => entityOfSchedulerId('counter')).toThrow("'counter' is not an entity instance ID");
    // A standard version 5 UUID in the URL namespace (the value the uuid package gives).
    expect(deterministicGuid('http://www.example.com/')).toBe('fcde3c85-2270-590f-9e7c-ee003d65e0e2');
    expect(deterministicGuid('x')).toBe(deterministicGuid('x'));
    expect(deterministicGuid('x')).not.toBe(deterministicGuid('y'));
  });
});
