import { describe, expect, it } from 'vitest';

import type { Counters } from '../../../src/domain/copyState';
import { initialCounters } from '../../../src/domain/copyState';
import {
  MAX_HISTORY_EVENTS,
  afterAnswer,
  afterFailedAttempt,
  afterProgress,
  afterRefusal,
  historyBound,
  shouldContinueAsNew,
  startTimeout,
} from '../../../src/orchestrators/copyRestorePoint/decisions';

const retry = { firstRetryIntervalSeconds: 5, maxNumberOfAttempts: 5, backoffCoefficient: 2 };
const counters = (patch: Partial<Counters> = {}): Counters => ({ ...initialCounters(), ...patch });

describe('afterFailedAttempt: back off, then count one transient failure, then give up', () => {
  it.each([
    {
      before: counters(),
      after: { kind: 'retry', delaySeconds: 5, counters: counters({ failedAttempts: 1 }) },
    },
    {
      before: counters({ failedAttempts: 3 }),
      after: { kind: 'retry', delaySeconds: 40, counters: counters({ failedAttempts: 4 }) },
    },
    {
      before: counters({ failedAttempts: 4 }),
      after: { kind: 'exhausted', giveUp: false, counters: counters({ transientFailures: 1 }) },
    },
    {
      before: counters({ failedAttempts: 4, transientFailures: 1, refusals: 2 }),
      after: { kind: 'exhausted', giveUp: false, counters: counters({ transientFailures: 2, refusals: 2 }) },
    },
    {
      before: counters({ failedAttempts: 4, transientFailures: 2 }),
      after: { kind: 'exhausted', giveUp: true, counters: counters({ transientFailures: 3 }) },
    },
  ])('from $before', ({ before, after }) => {
    expect(afterFailedAttempt(before, retry)).toEqual(after);
  });

  it('gives up after the third failed call with a single attempt each', () => {
    const once = { ...retry, maxNumberOfAttempts: 1 };
    const first = afterFailedAttempt(counters(), once);
    const second = afterFailedAttempt(first.counters, once);
    const third = afterFailedAttempt(second.counters, once);
    expect([first, second, third].map((step) => step.kind === 'exhausted' && step.giveUp)).toEqual([
      false,
      false,
      true,
    ]);
  });
});

describe('afterAnswer and afterRefusal', () => {
  it('ends a failure streak on any answer, but keeps refusals and throttling', () => {
    expect(
      afterAnswer(counters({ failedAttempts: 2, transientFailures: 2, refusals: 1, throttledLast: true })),
    ).toEqual(counters({ refusals: 1, throttledLast: true }));
  });

  it.each([
    { refusals: 0, giveUp: false },
    { refusals: 1, giveUp: false },
    { refusals: 2, giveUp: true },
  ])('after $refusals earlier refusals, gives up: $giveUp', ({ refusals, giveUp }) => {
    expect(afterRefusal(counters({ refusals }))).toEqual({
      giveUp,
      counters: counters({ refusals: refusals + 1 }),
    });
  });
});

describe('startTimeout: a copy may wait its turn only until the deadline', () => {
  const createdAt = '2026-01-01T00:00:00.000Z';
  const at = (hours: number): number => Date.parse(createdAt) + hours * 3_600_000;
  it.each([
    { hours: 0, throttledLast: false, code: undefined },
    { hours: 9.99, throttledLast: true, code: undefined },
    { hours: 10, throttledLast: false, code: 'QueuedTooLong' },
    { hours: 11, throttledLast: true, code: 'ThrottledTooLong' },
  ])(
    '$hours h after the request (throttled last: $throttledLast): $code',
    ({ hours, throttledLast, code }) => {
      expect(startTimeout(createdAt, at(hours), 36_000, counters({ throttledLast }))?.error?.code).toBe(code);
    },
  );
});

describe('shouldContinueAsNew: hand over after pollsPerGeneration waits or before 100 history events', () => {
  it.each([
    { tasks: 0, waits: 0, nextIsWait: true, polls: 1, expected: false },
    { tasks: 1, waits: 0, nextIsWait: true, polls: 1, expected: false },
    { tasks: 2, waits: 1, nextIsWait: false, polls: 1, expected: false },
    { tasks: 2, waits: 1, nextIsWait: true, polls: 1, expected: true },
    { tasks: 10, waits: 5, nextIsWait: true, polls: 20, expected: false },
    { tasks: 20, waits: 10, nextIsWait: false, polls: 500, expected: false },
    { tasks: 21, waits: 10, nextIsWait: false, polls: 500, expected: true },
    // Two turns that cut waits short: their timers still fire later.
    { tasks: 18, waits: 10, lateEvents: 6, nextIsWait: false, polls: 500, expected: false },
    { tasks: 19, waits: 10, lateEvents: 6, nextIsWait: false, polls: 500, expected: true },
  ])('$tasks tasks, $waits waits, next is a wait: $nextIsWait, polls $polls: $expected', (row) => {
    const counts = { tasks: row.tasks, waits: row.waits, lateEvents: row.lateEvents ?? 0 };
    expect(shouldContinueAsNew(counts, row.nextIsWait, row.polls)).toBe(row.expected);
  });

  it('never lets an execution that obeys it pass the history limit', () => {
    let tasks = 0;
    while (!shouldContinueAsNew({ tasks, waits: 0, lateEvents: 0 }, false, 500)) {
      tasks++;
    }
    expect(historyBound(tasks)).toBeLessThanOrEqual(MAX_HISTORY_EVENTS);
    expect(historyBound(tasks + 1)).toBeGreaterThan(MAX_HISTORY_EVENTS);
  });
});

describe('afterProgress', () => {
  it.each([
    { state: 'succeeded', pastDeadline: true, expected: 'succeeded' },
    { state: 'failed', pastDeadline: false, expected: 'failed' },
    { state: 'inProgress', pastDeadline: false, expected: 'continue' },
    { state: 'inProgress', pastDeadline: true, expected: 'timed-out' },
  ] as const)('$state, past the deadline: $pastDeadline → $expected', ({ state, pastDeadline, expected }) => {
    expect(afterProgress(state, pastDeadline)).toBe(expected);
  });
});
