import { describe, expect, it } from 'vitest';

import type { HistoryEvent } from '../../../dev/host/contract';
import type { InstanceRow } from '../../../dev/host/durable/durableStore';
import {
  commitEpisode,
  commitTermination,
  emptyEffects,
  type EpisodeCommitInput,
  type EpisodeEffects,
} from '../../../dev/host/durable/episodeCommit';
import type { Decision, ReplayOutcome } from '../../../dev/host/durable/replayEpisode';

// Table tests for the pure half of an episode: no clock, no store, no worker; `now` and IDs are inputs.

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const STAMP = '2026-01-01T12:00:00.000Z';
const LATER = NOW + 60_000;
const LATER_STAMP = '2026-01-01T12:01:00.000Z';

/** A wire event as the real extension stores it, written out here rather than built by the engine. */
function ev(
  type: number,
  fields: Record<string, unknown> = {},
  id = -1,
  played = false,
  at = STAMP,
): HistoryEvent {
  return { EventType: type, EventId: id, IsPlayed: played, Timestamp: at, ...fields };
}

const ROW: InstanceRow = {
  instanceId: 'parent',
  name: 'copy',
  version: null,
  executionId: 'exec-1',
  runtimeStatus: 'Running',
  input: '{"n":1}',
  output: null,
  customStatus: null,
  createdTime: NOW - 1000,
  lastUpdatedTime: NOW - 1000,
  parent: null,
};

const CHILD_ROW: InstanceRow = {
  ...ROW,
  instanceId: 'child',
  executionId: 'exec-c',
  parent: { instanceId: 'parent', executionId: 'exec-p', name: 'copy', taskScheduleId: 4 },
};

const STARTED = ev(12);
const RAISED = ev(15, { Name: 'go', Input: null });
const FRESH = [STARTED, RAISED];
const FRESH_PLAYED = [STARTED, { ...RAISED, IsPlayed: true }];

function outcome(decisions: Decision[], extra: Partial<ReplayOutcome> = {}): ReplayOutcome {
  return { decisions, customStatus: undefined, isSuspended: false, stalled: false, ...extra };
}

function input(decisions: Decision[], extra: Partial<EpisodeCommitInput> = {}): EpisodeCommitInput {
  let next = 0;
  return {
    row: ROW,
    fresh: FRESH,
    outcome: outcome(decisions),
    now: NOW,
    storeInputs: false,
    newExecutionId: () => `new-${++next}`,
    ...extra,
  };
}

function complete(
  status: 'Completed' | 'Failed' | 'ContinuedAsNew',
  result: string | null,
  id = 0,
): Decision {
  return {
    kind: 'complete',
    id,
    status,
    result,
    details: null,
    failureDetails: undefined,
    carryoverEvents: [],
  };
}

const settledRow = (changes: Partial<InstanceRow>): InstanceRow => ({
  ...ROW,
  lastUpdatedTime: NOW,
  ...changes,
});
const effects = (changes: Partial<EpisodeEffects>): EpisodeEffects => ({ ...emptyEffects(), ...changes });

describe('commitEpisode: one generation that settles', () => {
  const cases: {
    name: string;
    input: EpisodeCommitInput;
    row: InstanceRow;
    appended: HistoryEvent[];
    effects: EpisodeEffects;
    notice?: 'failed' | 'stalled';
  }[] = [
    {
      name: 'no decisions leaves the instance Running and closes the episode',
      input: input([]),
      row: settledRow({ runtimeStatus: 'Running' }),
      appended: [ev(13)],
      effects: effects({}),
    },
    {
      name: 'a suspended orchestrator is stored Suspended',
      input: input([], { outcome: outcome([], { isSuspended: true }) }),
      row: settledRow({ runtimeStatus: 'Suspended' }),
      appended: [ev(13)],
      effects: effects({}),
    },
    {
      name: 'a stalled orchestrator stays Running and asks for the watchdog',
      input: input([], { outcome: outcome([], { stalled: true }) }),
      row: settledRow({ runtimeStatus: 'Running' }),
      appended: [ev(13)],
      effects: effects({}),
      notice: 'stalled',
    },
    {
      name: 'a custom status is stored as JSON',
      input: input([], { outcome: outcome([], { customStatus: { phase: 'poll' } }) }),
      row: settledRow({ customStatus: '{"phase":"poll"}' }),
      appended: [ev(13)],
      effects: effects({}),
    },
    {
      name: 'a scheduled task keeps no input by default and queues the activity',
      input: input([{ kind: 'scheduleTask', id: 0, name: 'inspect', input: '{"a":1}' }]),
      row: settledRow({}),
      appended: [
        ev(4, { Name: 'inspect', Version: '', Input: null, ParentTraceContext: null, Tags: null }, 0),
        ev(13),
      ],
      effects: effects({
        activities: [
          { instanceId: 'parent', executionId: 'exec-1', taskId: 0, name: 'inspect', input: '{"a":1}' },
        ],
      }),
    },
    {
      name: 'storeInputs keeps the task input as a one-element JSON array',
      input: input([{ kind: 'scheduleTask', id: 2, name: 'inspect', input: '{"a":1}' }], {
        storeInputs: true,
      }),
      row: settledRow({}),
      appended: [
        ev(4, { Name: 'inspect', Version: '', Input: '[{"a":1}]', ParentTraceContext: null, Tags: null }, 2),
        ev(13),
      ],
      effects: effects({
        activities: [
          { instanceId: 'parent', executionId: 'exec-1', taskId: 2, name: 'inspect', input: '{"a":1}' },
        ],
      }),
    },
    {
      name: 'a timer records TimerCreated and queues TimerFired for its due time',
      input: input([{ kind: 'createTimer', id: 1, fireAt: LATER }]),
      row: settledRow({}),
      appended: [ev(10, { FireAt: LATER_STAMP }, 1), ev(13)],
      effects: effects({
        messages: [
          {
            instanceId: 'parent',
            executionId: 'exec-1',
            event: ev(11, { TimerId: 1, FireAt: LATER_STAMP }, -1, false, LATER_STAMP),
            visibleAt: LATER,
          },
        ],
      }),
    },
    {
      name: 'a sub-orchestration gets a new execution that names its parent',
      input: input([
        {
          kind: 'createSubOrchestration',
          id: 3,
          name: 'child',
          instanceId: 'kid',
          input: '5',
          version: undefined,
        },
      ]),
      row: settledRow({}),
      appended: [
        ev(
          7,
          { Name: 'child', Version: null, InstanceId: 'kid', Input: null, ClientSpanId: null, Tags: null },
          3,
        ),
        ev(13),
      ],
      effects: effects({
        children: [
          {
            row: {
              instanceId: 'kid',
              name: 'child',
              version: null,
              executionId: 'new-1',
              runtimeStatus: 'Pending',
              input: '5',
              output: null,
              customStatus: null,
              createdTime: NOW,
              lastUpdatedTime: NOW,
              parent: { instanceId: 'parent', executionId: 'exec-1', name: 'copy', taskScheduleId: 3 },
            },
            start: ev(0, {
              OrchestrationInstance: { InstanceId: 'kid', ExecutionId: 'new-1' },
              ParentInstance: {
                Name: 'copy',
                Version: null,
                OrchestrationInstance: { InstanceId: 'parent', ExecutionId: 'exec-1' },
                TaskScheduleId: 3,
              },
              Name: 'child',
              Version: null,
              Input: '5',
              Tags: null,
              Correlation: null,
              ParentTraceContext: null,
              ScheduledStartTime: null,
              Generation: null,
              GenerateNewTrace: false,
            }),
          },
        ],
      }),
    },
    {
      name: 'completion stores the output',
      input: input([complete('Completed', '"done"', 1)]),
      row: settledRow({ runtimeStatus: 'Completed', output: '"done"' }),
      appended: [ev(1, { FailureDetails: null, OrchestrationStatus: 1, Result: '"done"' }, 1), ev(13)],
      effects: effects({}),
    },
    {
      name: 'a completed sub-orchestration tells its parent',
      input: input([complete('Completed', '7')], { row: CHILD_ROW }),
      row: { ...CHILD_ROW, lastUpdatedTime: NOW, runtimeStatus: 'Completed', output: '7' },
      appended: [ev(1, { FailureDetails: null, OrchestrationStatus: 1, Result: '7' }, 0), ev(13)],
      effects: effects({
        messages: [
          {
            instanceId: 'parent',
            executionId: 'exec-p',
            event: ev(8, { TaskScheduledId: 4, Result: '7' }),
            visibleAt: NOW,
          },
        ],
      }),
    },
    {
      name: 'a failed sub-orchestration passes its failure details to the parent and asks for a warning',
      input: input(
        [
          {
            kind: 'complete',
            id: 0,
            status: 'Failed',
            result: 'boom',
            details: 'Message: boom',
            failureDetails: {
              ErrorType: 'Error',
              ErrorMessage: 'boom',
              StackTrace: null,
              IsNonRetriable: false,
            },
            carryoverEvents: [],
          },
        ],
        { row: CHILD_ROW },
      ),
      row: { ...CHILD_ROW, lastUpdatedTime: NOW, runtimeStatus: 'Failed', output: 'boom' },
      appended: [
        ev(
          1,
          {
            FailureDetails: {
              ErrorType: 'Error',
              ErrorMessage: 'boom',
              StackTrace: null,
              IsNonRetriable: false,
            },
            OrchestrationStatus: 3,
            Result: 'boom',
          },
          0,
        ),
        ev(13),
      ],
      effects: effects({
        messages: [
          {
            instanceId: 'parent',
            executionId: 'exec-p',
            event: ev(9, {
              FailureDetails: {
                ErrorType: 'Error',
                ErrorMessage: 'boom',
                StackTrace: null,
                IsNonRetriable: false,
              },
              TaskScheduledId: 4,
              Reason: 'boom',
              Details: 'Message: boom',
            }),
            visibleAt: NOW,
          },
        ],
      }),
      notice: 'failed',
    },
  ];

  it.each(cases)('$name', (c) => {
    expect(commitEpisode(c.input)).toEqual({
      kind: 'settled',
      row: c.row,
      history: [...FRESH_PLAYED, ...c.appended],
      effects: c.effects,
      notice: c.notice,
    });
  });

  it('does not add a second OrchestratorCompleted when the fresh events already end with one', () => {
    const fresh = [STARTED, ev(13)];
    const result = commitEpisode(input([], { fresh }));
    expect(result).toEqual({
      kind: 'settled',
      row: settledRow({}),
      history: [STARTED, ev(13)],
      effects: effects({}),
      notice: undefined,
    });
  });

  it('leaves its inputs untouched', () => {
    const row = { ...ROW };
    const fresh = [...FRESH];
    commitEpisode(input([complete('Completed', '1')], { row, fresh }));
    expect({ row, fresh }).toEqual({ row: ROW, fresh: FRESH });
  });
});

describe('commitEpisode: continueAsNew', () => {
  const carried = ev(15, { Name: 'later', Input: null });
  const decisions: Decision[] = [
    { kind: 'scheduleTask', id: 0, name: 'inspect', input: undefined },
    {
      kind: 'complete',
      id: 1,
      status: 'ContinuedAsNew',
      result: '{"n":2}',
      details: null,
      failureDetails: undefined,
      carryoverEvents: [carried],
    },
  ];
  const nextRow: InstanceRow = {
    ...ROW,
    executionId: 'new-1',
    runtimeStatus: 'Running',
    input: '{"n":2}',
    output: null,
    createdTime: NOW,
    lastUpdatedTime: NOW,
  };
  const nextStart = ev(0, {
    OrchestrationInstance: { InstanceId: 'parent', ExecutionId: 'new-1' },
    ParentInstance: null,
    Name: 'copy',
    Version: null,
    Input: '{"n":2}',
    Tags: null,
    Correlation: null,
    ParentTraceContext: null,
    ScheduledStartTime: null,
    Generation: null,
    GenerateNewTrace: false,
  });
  const scheduled = {
    instanceId: 'parent',
    executionId: 'exec-1',
    taskId: 0,
    name: 'inspect',
    input: undefined,
  };

  it('starts the next generation in the same episode and keeps what the old one sent', () => {
    expect(commitEpisode(input(decisions))).toEqual({
      kind: 'continuedAsNew',
      row: nextRow,
      fresh: [ev(12), nextStart, carried, ev(13)],
      effects: effects({ activities: [scheduled] }),
    });
  });

  it('stores the carried OrchestratorCompleted as played, unlike any other, and closes with it', () => {
    const first = commitEpisode(input(decisions));
    if (first.kind !== 'continuedAsNew') {
      throw new Error(`expected continuedAsNew, got ${first.kind}`);
    }
    const second = commitEpisode(
      { ...input([]), row: first.row, fresh: first.fresh, now: LATER },
      first.effects,
    );
    expect(second).toEqual({
      kind: 'settled',
      row: { ...nextRow, lastUpdatedTime: LATER },
      history: [
        ev(12),
        { ...nextStart, IsPlayed: true },
        { ...carried, IsPlayed: true },
        ev(13, {}, -1, true),
      ],
      effects: effects({ activities: [scheduled] }),
      notice: undefined,
    });
  });
});

describe('commitTermination', () => {
  it.each([
    { name: 'a top-level instance', row: ROW, messages: [] },
    {
      name: 'a sub-orchestration, whose parent hears of it as a failure',
      row: CHILD_ROW,
      messages: [
        {
          instanceId: 'parent',
          executionId: 'exec-p',
          event: ev(9, { FailureDetails: null, TaskScheduledId: 4, Reason: 'stop', Details: null }),
          visibleAt: NOW,
        },
      ],
    },
  ])('ends $name as Terminated with the reason', ({ row, messages }) => {
    const terminate = ev(3, { Input: 'stop' });
    expect(commitTermination(row, [], [STARTED, terminate], NOW)).toEqual({
      kind: 'settled',
      row: { ...row, runtimeStatus: 'Terminated', output: 'stop', lastUpdatedTime: NOW },
      history: [
        STARTED,
        { ...terminate, IsPlayed: true },
        ev(1, { FailureDetails: null, OrchestrationStatus: 5, Result: 'stop' }),
        ev(13),
      ],
      effects: effects({ messages }),
      notice: undefined,
    });
  });
});
