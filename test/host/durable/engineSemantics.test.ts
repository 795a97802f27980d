// Engine semantics with no scenario app of their own; each issue scenario is in scenarios/.
import { describe, expect, it } from 'vitest';

import { DAY, FIXTURE_START, setHooks, settled, useScenarioApp } from './helpers';

const scenario = useScenarioApp('semantics');

describe('external events', () => {
  it('records early duplicates and delivers them in order', async () => {
    const h = await scenario.engine();
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
    const h = await scenario.engine();
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

describe('lifecycle', () => {
  it('suspend holds events until resume', async () => {
    const h = await scenario.engine();
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

  it('keeps falsy activity results intact', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('falsy');
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toEqual([0, false, '', null]);
  });

  it('keeps the last non-null custom status', async () => {
    const h = await scenario.engine();
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
    const h = await scenario.engine();
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
    const h = await scenario.engine();
    const id = await h.engine.startNew('unknownActivity');
    await h.waitFor(id, ['Failed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      "Orchestrator function 'unknownActivity' failed: The function 'NoSuchActivity' doesn't exist, is disabled, " +
        'or is not an activity function.',
    );
  });
});

describe('startNew, status and listing', () => {
  it('accepts an unknown orchestrator name and fails the instance, as extension 3.19.0 does', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('nope', { instanceId: 'unknown-name' });
    await h.waitFor(id, ['Failed']);
    const status = await h.engine.getStatus(id);
    expect({ runtimeStatus: status?.runtimeStatus, output: status?.output }).toEqual({
      runtimeStatus: 'Failed',
      output:
        "Orchestrator function 'nope' failed: The function 'nope' doesn't exist, is disabled, or is not an " +
        'orchestrator function. Additional info: The following are the known orchestrator functions: ' +
        "'waiter', 'falsy', 'shifty', 'statusKeeper', 'unknownActivity', 'quick', 'ticker', 'approval', 'twoApprovals'.",
    });
  });

  it('validates IDs, refuses running duplicates and reuses terminal IDs', async () => {
    const h = await scenario.engine();
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
    const h = await scenario.engine();
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
      // The real extension keeps no activity input in history unless storeInputsInOrchestrationHistory.
      Input: null,
    });
  });

  it('lists with filters and pages with an opaque continuation token', async () => {
    const h = await scenario.engine();
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

describe('virtual time', () => {
  it('runs 14 virtual days of timers', async () => {
    const h = await scenario.engine();
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
