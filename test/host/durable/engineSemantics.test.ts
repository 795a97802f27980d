import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { EngineError, type HistoryEvent } from '../../../dev/host/contract';
import type { LoadedApp } from '../../../dev/host/worker';
import {
  activityFinished,
  DAY,
  finishedActivities,
  FIXTURE_START,
  Gates,
  loadApp,
  recordingInvoker,
  setHooks,
  startEngine,
  type Harness,
} from './helpers';

let app: LoadedApp;
let harness: Harness | undefined;

beforeAll(async () => {
  app = await loadApp('semantics');
});

afterEach(async () => {
  setHooks(undefined);
  await harness?.engine.stop();
  harness = undefined;
});

afterAll(() => setHooks(undefined));

async function engine(options: Parameters<typeof startEngine>[1] = {}): Promise<Harness> {
  finishedActivities.length = 0;
  harness = await startEngine(recordingInvoker(app.invoker, []), options);
  return harness;
}

/** [EventType, EventId] of every scheduling event, in history order. */
function scheduled(history: HistoryEvent[] | undefined): [number, number, unknown][] {
  return (history ?? [])
    .filter((e) => e.EventType === 4 || e.EventType === 7 || e.EventType === 10)
    .map((e) => [
      e.EventType,
      e.EventId,
      e.EventType === 10 ? Date.parse(String(e.FireAt)) - FIXTURE_START : e.Name,
    ]);
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await h0();
}

function h0(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function settled(h: Harness): Promise<void> {
  await h.clock.settle();
  await h.engine.whenIdle();
}

describe('retries (RetryInterceptor port)', () => {
  it('succeeds on the second attempt: call 0, timer 1, call 2, no dummy timer', async () => {
    const h = await engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'second', failures: 1, first: 1000, attempts: 3, backoff: 2 },
    });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe('succeeded on attempt 2');
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [4, 0, 'FailTimes'],
      [10, 1, 1000],
      [4, 2, 'FailTimes'],
    ]);
  });

  it('backs off first×coef^n capped at maxRetryInterval, then a zero-delay timer after the last attempt', async () => {
    const h = await engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'backoff', failures: 9, first: 1000, attempts: 4, backoff: 3, maxInterval: 5000 },
    });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      "gave up: Activity function 'FailTimes' failed: attempt 4 failed",
    );
    // Delays 1000, 3000, then 9000 capped to 5000; the last failure gets the back-compat dummy timer.
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [4, 0, 'FailTimes'],
      [10, 1, 1000],
      [4, 2, 'FailTimes'],
      [10, 3, 4000],
      [4, 4, 'FailTimes'],
      [10, 5, 9000],
      [4, 6, 'FailTimes'],
      [10, 7, 9000],
    ]);
  });

  it('reproduces the retryTimeout hang loudly: no timer, the instance stays Running', async () => {
    const h = await engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'timeout', failures: 9, first: 1000, attempts: 5, timeout: 1500 },
    });
    await h.clock.runUntil(async () => {
      await h.engine.whenIdle();
      return h.engine.pendingTimerCount() === 0 && (h.engine.getHistory(id)?.length ?? 0) > 10;
    });
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [4, 0, 'FailTimes'],
      [10, 1, 1000],
      [4, 2, 'FailTimes'],
      [10, 3, 2000],
      [4, 4, 'FailTimes'],
    ]);
    expect(h.logs.filter((l) => l.message.startsWith('HANG:')).map((l) => l.level)).toEqual(['warn']);
    expect(h.logs.filter((l) => l.message.startsWith('WATCHDOG:')).length).toBeGreaterThan(0);
  });

  it('refuses retry intervals beyond the provider maximum', async () => {
    const h = await engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'long', failures: 0, first: 1000, attempts: 2, maxInterval: 7 * DAY },
    });
    await h.waitFor(id, ['Failed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      "Orchestrator function 'retrying' failed: The Azure Storage provider supports a maximum of 6 days for " +
        "time-based delays (Parameter 'MaxRetryInterval')",
    );
  });
});

describe('timers', () => {
  it('splits a 10-day timer at 3-day intervals and wakes at the final time', async () => {
    const h = await engine();
    const id = await h.engine.startNew('sleeper', { input: { days: 10 } });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe('2025-01-11T00:00:00.000Z');
    // Each episode starts at the virtual time its timer fired.
    const starts = (h.engine.getHistory(id) ?? []).filter((e) => e.EventType === 12).map((e) => e.Timestamp);
    expect(starts).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-04T00:00:00.000Z',
      '2025-01-07T00:00:00.000Z',
      '2025-01-10T00:00:00.000Z',
      '2025-01-11T00:00:00.000Z',
    ]);
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [10, 0, 3 * DAY],
      [10, 1, 6 * DAY],
      [10, 2, 9 * DAY],
      [10, 3, 10 * DAY],
    ]);
  });

  it('does not split when the provider has no maximum', async () => {
    const h = await engine({ maxShortTimerMs: Infinity, longTimerIntervalMs: 3 * DAY });
    const id = await h.engine.startNew('sleeper', { input: { days: 10 } });
    await h.waitFor(id, ['Completed']);
    expect(scheduled(h.engine.getHistory(id))).toEqual([[10, 0, 10 * DAY]]);
  });

  it('a cancelled losing timer does not keep the instance running', async () => {
    const h = await engine();
    const id = await h.engine.startNew('raceTimer', { input: { cancel: true } });
    await settled(h);
    await h.engine.raiseEvent(id, 'Approval', 1);
    await settled(h);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'event' });
    expect(h.clock.now()).toBe(FIXTURE_START);
  });

  it('an un-cancelled losing timer keeps the instance Running until it fires', async () => {
    const h = await engine();
    const id = await h.engine.startNew('raceTimer', { input: { cancel: false } });
    await settled(h);
    await h.engine.raiseEvent(id, 'Approval', 1);
    await settled(h);
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    await h.waitFor(id, ['Completed']);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'event' });
    expect(h.clock.now()).toBe(FIXTURE_START + 3_600_000);
  });
});

describe('fan-out / fan-in', () => {
  it('with a failing branch, the action yielded in catch is scheduled only after the other branches finish', async () => {
    const gates = new Gates(['Slow:a', 'Slow:c']);
    setHooks({ gate: gates.gate });
    const h = await engine();
    const id = await h.engine.startNew('fanOutFailing');
    await gates.allArrived();
    // Gated activities hold the virtual clock, so wait in real time here.
    await until(() => (h.engine.getHistory(id) ?? []).some((e) => e.EventType === 6));
    // The SDK already failed fast and yielded Cleanup, but the host's WhenAll still waits.
    expect(scheduled(h.engine.getHistory(id)).map(([, eventId]) => eventId)).toEqual([0, 1, 2]);
    gates.release('Slow:a');
    await activityFinished('Slow:a');
    await until(() =>
      (h.engine.getHistory(id) ?? []).some((e) => e.EventType === 5 && e.TaskScheduledId === 0),
    );
    expect(scheduled(h.engine.getHistory(id)).map(([, eventId]) => eventId)).toEqual([0, 1, 2]);
    gates.release('Slow:c');
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toEqual({
      cleaned: "cleaned after: Activity function 'Explode' failed: exploded on b",
      results: ['slow a', 'failed', 'slow c'],
    });
    const history = h.engine.getHistory(id) ?? [];
    const cleanupAt = history.findIndex((e) => e.EventType === 4 && e.Name === 'Cleanup');
    const lastBranchAt = history.findIndex((e) => e.EventType === 5 && e.TaskScheduledId === 2);
    expect(history[cleanupAt]?.EventId).toBe(3);
    expect(cleanupAt).toBeGreaterThan(lastBranchAt);
  });
});

describe('continueAsNew', () => {
  it('starts a new execution with a reset history and drops buffered events', async () => {
    const h = await engine();
    const id = await h.engine.startNew('eternal', { input: { gen: 0 } });
    await settled(h);
    await h.engine.raiseEvent(id, 'b', 'early');
    await settled(h);
    const firstExecution = h.engine.getHistory(id)?.find((e) => e.EventType === 0)?.OrchestrationInstance;
    await h.engine.raiseEvent(id, 'a', 1);
    await settled(h);
    const history = h.engine.getHistory(id) ?? [];
    expect(history.map((e) => e.EventType)).toEqual([12, 0, 13, 10, 13]);
    expect(history[1]?.Input).toBe('{"gen":1}');
    expect(history[1]?.OrchestrationInstance).not.toEqual(firstExecution);
    expect((await h.engine.getStatus(id))?.input).toEqual({ gen: 1 });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe('no b');
  });

  it('is a completion too: an un-cancelled timer delays it until the timer fires', async () => {
    const h = await engine();
    const id = await h.engine.startNew('lingering', { input: { gen: 0 } });
    await settled(h);
    await h.engine.raiseEvent(id, 'go', 1);
    await settled(h);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Running', input: { gen: 0 } });
    await h.waitFor(id, ['Completed']);
    expect(await h.engine.getStatus(id)).toMatchObject({ input: { gen: 1 }, output: 'generation 1' });
    expect(h.clock.now()).toBe(FIXTURE_START + 3_600_000);
  });

  it('stops an orchestration that continues as new forever without waiting', async () => {
    const h = await engine();
    const id = await h.engine.startNew('spinner', { input: 0 });
    await h.waitFor(id, ['Failed']);
    expect(await h.engine.getStatus(id)).toMatchObject({
      runtimeStatus: 'Failed',
      output:
        'The dev host failed while running this orchestration: the orchestration called continueAsNew 100 times ' +
        'in one episode without waiting for anything; it would never make progress',
    });
    expect(h.logs.filter((l) => l.level === 'error').length).toBe(1);
  });

  it('carries over events that arrive after continueAsNew in the same episode', async () => {
    const h = await engine();
    const id = await h.engine.startNew('counter', { input: 0 });
    for (let i = 0; i < 3; i++) await h.engine.raiseEvent(id, 'go', i);
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe(3);
  });
});

describe('external events', () => {
  it('records early duplicates and delivers them in order', async () => {
    const h = await engine();
    const id = await h.engine.startNew('twoApprovals');
    await h.engine.raiseEvent(id, 'Approval', 'one');
    await h.engine.raiseEvent(id, 'Approval', 'two');
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toEqual(['one', 'two']);
    const raised = (h.engine.getHistory(id) ?? [])
      .filter((e) => e.EventType === 15)
      .map((e) => [e.Name, e.Input]);
    expect(raised).toEqual([
      ['Approval', '"one"'],
      ['Approval', '"two"'],
    ]);
  });

  it('matches names case-insensitively on the host but exactly in the SDK, and the watchdog says so', async () => {
    const h = await engine();
    const id = await h.engine.startNew('approval');
    await settled(h);
    await h.engine.raiseEvent(id, 'approval', 'lower');
    await settled(h);
    // The host's waiter took the event, the SDK did not: nothing can resume the instance now.
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    expect(h.logs.filter((l) => l.message.startsWith('WATCHDOG:')).map((l) => l.level)).toEqual(['error']);
    await h.engine.raiseEvent(id, 'Approval', 'exact');
    await settled(h);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'exact' });
    const raised = (h.engine.getHistory(id) ?? []).filter((e) => e.EventType === 15).map((e) => e.Name);
    expect(raised).toEqual(['approval', 'Approval']);
  });
});

describe('sub-orchestrations', () => {
  it('runs children with parentInstanceId, default IDs and failure propagation', async () => {
    const h = await engine();
    const id = await h.engine.startNew('parent', { instanceId: 'p1' });
    await h.waitFor(id, ['Completed']);
    const parentHistory = h.engine.getHistory(id) ?? [];
    const executionId = (
      parentHistory.find((e) => e.EventType === 0)?.OrchestrationInstance as { ExecutionId: string }
    ).ExecutionId;
    expect((await h.engine.getStatus(id))?.output).toEqual({
      child: { input: 'hello', parent: 'p1', self: `${executionId}:0` },
      // Legacy format: the SDK's "<Reason> \n <Details>", Details being the extension's orchestrator failure text.
      failure:
        "Orchestrator function 'failingChild' failed: child broke \n Message: child broke, StackTrace: ",
    });
    expect(
      parentHistory
        .filter((e) => e.EventType >= 7 && e.EventType <= 9)
        .map((e) => [e.EventType, e.EventId, e.TaskScheduledId]),
    ).toEqual([
      [7, 0, undefined],
      [8, -1, 0],
      [7, 1, undefined],
      [9, -1, 1],
    ]);
    expect(await h.engine.getStatus('p1:failing')).toMatchObject({
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'failingChild' failed: child broke",
    });
  });
});

describe('lifecycle', () => {
  it('terminate ends a running instance and later events are refused with gone', async () => {
    const h = await engine();
    const id = await h.engine.startNew('waiter');
    await settled(h);
    await h.engine.terminate(id, 'no longer needed');
    await settled(h);
    expect(await h.engine.getStatus(id)).toMatchObject({
      runtimeStatus: 'Terminated',
      output: 'no longer needed',
    });
    await expect(h.engine.raiseEvent(id, 'go', 1)).rejects.toEqual(
      new EngineError(
        'gone',
        `Cannot raise an event for instance '${id}' because it is in the Terminated state.`,
      ),
    );
    await expect(h.engine.terminate(id, 'again')).rejects.toMatchObject({ code: 'gone' });
    await expect(h.engine.raiseEvent('missing', 'go', 1)).rejects.toMatchObject({ code: 'not-found' });
  });

  it('suspend holds events until resume', async () => {
    const h = await engine();
    const id = await h.engine.startNew('waiter');
    await settled(h);
    await h.engine.suspend(id, 'pause');
    await settled(h);
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Suspended');
    await h.engine.raiseEvent(id, 'go', 42);
    await settled(h);
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Suspended');
    await h.engine.resume(id, 'continue');
    await settled(h);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: { value: 42 } });
  });

  it('purges one instance or many by filter', async () => {
    const h = await engine();
    const a = await h.engine.startNew('quick', { instanceId: 'a', input: 1 });
    await settled(h);
    await h.clock.advanceBy(DAY);
    const b = await h.engine.startNew('quick', { instanceId: 'b', input: 2 });
    const w = await h.engine.startNew('waiter', { instanceId: 'w' });
    await settled(h);
    expect(await h.engine.purgeInstance(a)).toBe(1);
    expect(await h.engine.getStatus(a)).toBeUndefined();
    expect(await h.engine.purgeInstance(a)).toBe(0);
    expect(
      await h.engine.purgeInstances({
        createdTimeFrom: new Date(FIXTURE_START),
        runtimeStatus: ['Completed'],
      }),
    ).toBe(1);
    expect(await h.engine.getStatus(b)).toBeUndefined();
    expect((await h.engine.getStatus(w))?.runtimeStatus).toBe('Running');
  });

  it('keeps falsy activity results intact', async () => {
    const h = await engine();
    const id = await h.engine.startNew('falsy');
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toEqual([0, false, '', null]);
  });

  it('keeps the last non-null custom status', async () => {
    const h = await engine();
    const id = await h.engine.startNew('statusKeeper');
    await settled(h);
    expect((await h.engine.getStatus(id))?.customStatus).toEqual({ stage: 1 });
    await h.engine.raiseEvent(id, 'go', 1);
    await settled(h);
    expect((await h.engine.getStatus(id))?.customStatus).toEqual({ stage: 1 });
  });
});

describe('failures', () => {
  it('detects nondeterminism against the recorded history', async () => {
    const h = await engine();
    const id = await h.engine.startNew('shifty');
    await settled(h);
    setHooks({ renamed: true });
    await h.engine.raiseEvent(id, 'go', 1);
    await h.waitFor(id, ['Failed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      'A previous execution of this orchestration scheduled an activity task with sequence number 0 named ' +
        "'Echo', but the current orchestration replay instead scheduled an activity task named 'Other' with this " +
        'sequence number.  Was a change made to the orchestrator code after this instance had already started running?',
    );
  });

  it('an unknown activity fails the orchestration', async () => {
    const h = await engine();
    const id = await h.engine.startNew('unknownActivity');
    await h.waitFor(id, ['Failed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      "Orchestrator function 'unknownActivity' failed: The function 'NoSuchActivity' doesn't exist, is disabled, " +
        'or is not an activity function.',
    );
  });
});

describe('startNew, status and listing', () => {
  it('validates IDs and names, refuses running duplicates and reuses terminal IDs', async () => {
    const h = await engine();
    await expect(h.engine.startNew('nope')).rejects.toMatchObject({ code: 'bad-request' });
    await expect(h.engine.startNew('quick', { instanceId: 'a/b' })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(h.engine.startNew('quick', { instanceId: '@x' })).rejects.toMatchObject({
      code: 'bad-request',
    });
    await expect(h.engine.startNew('quick', { instanceId: 'x'.repeat(257) })).rejects.toMatchObject({
      code: 'bad-request',
    });
    expect(await h.engine.startNew('quick')).toMatch(/^[0-9a-f]{32}$/);
    await h.engine.startNew('waiter', { instanceId: 'dup' });
    await expect(h.engine.startNew('waiter', { instanceId: 'dup' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await settled(h);
    await expect(h.engine.startNew('waiter', { instanceId: 'dup' })).rejects.toMatchObject({
      code: 'conflict',
    });
    await h.engine.terminate('dup', 'done');
    await settled(h);
    expect(await h.engine.startNew('quick', { instanceId: 'dup', input: 'again' })).toBe('dup');
    await settled(h);
    expect(await h.engine.getStatus('dup')).toEqual({
      name: 'quick',
      instanceId: 'dup',
      runtimeStatus: 'Completed',
      input: 'again',
      customStatus: null,
      output: 'again',
      createdTime: '2025-01-01T00:00:00Z',
      lastUpdatedTime: '2025-01-01T00:00:00Z',
    });
  });

  it('shows the transformed history', async () => {
    const h = await engine();
    const id = await h.engine.startNew('falsy', { instanceId: 'hist' });
    await h.waitFor(id, ['Completed']);
    const status = await h.engine.getStatus(id, { showHistory: true, showHistoryOutput: true });
    expect(
      status?.historyEvents?.map((e) => [e.EventType, e.FunctionName ?? null, e.Result ?? null]),
    ).toEqual([
      ['ExecutionStarted', 'falsy', null],
      ['TaskCompleted', 'Echo', 0],
      ['TaskCompleted', 'Echo', false],
      ['TaskCompleted', 'Echo', ''],
      ['TaskCompleted', 'Echo', null],
      ['ExecutionCompleted', null, [0, false, '', null]],
    ]);
    expect(status?.historyEvents?.[1]).toEqual({
      EventType: 'TaskCompleted',
      Timestamp: '2025-01-01T00:00:00.000Z',
      Result: 0,
      ScheduledTime: '2025-01-01T00:00:00.000Z',
      FunctionName: 'Echo',
    });
  });

  it('lists with filters and pages with an opaque continuation token', async () => {
    const h = await engine();
    for (const [i, name] of ['job-1', 'job-2', 'job-3', 'other-1'].entries()) {
      await h.engine.startNew(name.startsWith('job') ? 'quick' : 'waiter', { instanceId: name, input: i });
      await settled(h);
      await h.clock.advanceBy(60_000);
    }
    const first = await h.engine.listInstances({ instanceIdPrefix: 'job-', top: 2 });
    expect(first.instances.map((i) => i.instanceId)).toEqual(['job-1', 'job-2']);
    expect(first.continuationToken).toEqual(expect.any(String));
    const second = await h.engine.listInstances({
      instanceIdPrefix: 'job-',
      top: 2,
      continuationToken: first.continuationToken,
    });
    expect(second).toEqual({
      instances: [
        {
          name: 'quick',
          instanceId: 'job-3',
          runtimeStatus: 'Completed',
          input: null,
          customStatus: null,
          output: 2,
          createdTime: '2025-01-01T00:02:00Z',
          lastUpdatedTime: '2025-01-01T00:02:00Z',
        },
      ],
    });
    const running = await h.engine.listInstances({ runtimeStatus: ['Running'], showInput: true });
    expect(running.instances.map((i) => [i.instanceId, i.input])).toEqual([['other-1', 3]]);
    const window = await h.engine.listInstances({
      createdTimeFrom: new Date(FIXTURE_START + 60_000),
      createdTimeTo: new Date(FIXTURE_START + 120_000),
    });
    expect(window.instances.map((i) => i.instanceId)).toEqual(['job-2', 'job-3']);
    await expect(h.engine.listInstances({ continuationToken: 'garbage' })).rejects.toMatchObject({
      code: 'bad-request',
    });
  });
});

describe('persistence', () => {
  it('re-arms persisted timers after a restart; timers already due fire at once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'durable-restart-'));
    try {
      const first = await startEngine(app.invoker, { dataDir });
      const id = await first.engine.startNew('sleeper', { instanceId: 'sleepy', input: { days: 10 } });
      const other = await first.engine.startNew('sleeper', { instanceId: 'later', input: { days: 30 } });
      await settled(first);
      expect(first.engine.pendingTimerCount()).toBe(2);
      await first.engine.stop();

      // Twenty days pass while the host is down.
      const second = await startEngine(app.invoker, { dataDir }, FIXTURE_START + 20 * DAY);
      harness = second;
      await settled(second);
      expect(await second.engine.getStatus(id)).toMatchObject({
        runtimeStatus: 'Completed',
        output: '2025-01-21T00:00:00.000Z',
      });
      // The 30-day instance's first 3-day sub-timer was due too; its next one is armed on the clock.
      expect((await second.engine.getStatus(other))?.runtimeStatus).toBe('Running');
      expect(second.engine.pendingTimerCount()).toBe(1);
      expect(scheduled(second.engine.getHistory(other))).toEqual([
        [10, 0, 3 * DAY],
        [10, 1, 23 * DAY],
      ]);
    } finally {
      await harness?.engine.stop();
      harness = undefined;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('virtual time', () => {
  it('runs 14 virtual days of timers', async () => {
    const h = await engine();
    const id = await h.engine.startNew('ticker', { input: { days: 14, everyHours: 6 } });
    await h.waitFor(id, ['Completed'], 15);
    expect(await h.engine.getStatus(id)).toMatchObject({
      runtimeStatus: 'Completed',
      output: { ticks: 56, at: '2025-01-15T00:00:00.000Z' },
    });
    expect(h.clock.now()).toBe(FIXTURE_START + 14 * DAY);
    expect(h.engine.pendingTimerCount()).toBe(0);
  });
});
