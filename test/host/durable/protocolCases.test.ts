import { readFileSync } from 'node:fs';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type {
  HistoryEvent,
  OrchestrationTriggerPayload,
  OrchestratorState,
} from '../../../dev/host/contract';
import type { LoadedApp } from '../../../dev/host/worker';
import { OUT_OF_PROC_DATA_LABEL } from '../../../dev/host/worker';
import { replayEpisode } from '../../../dev/host/durable/replayEpisode';
import {
  activityFinished,
  DAY,
  finishedActivities,
  Gates,
  loadApp,
  projectHistory,
  recordingInvoker,
  setHooks,
  startEngine,
  type RecordedInvocation,
} from './helpers';

interface ProtocolCase {
  name: string;
  note: string;
  trigger: OrchestrationTriggerPayload;
  response: OrchestratorState;
  thrown?: { messageBeforeLabel: string; label: string };
}

const fixture = JSON.parse(
  readFileSync(path.join(__dirname, '../../fixtures/durable/orchestrator-protocol-cases.json'), 'utf8'),
) as { cases: ProtocolCase[] };
const cases = new Map(fixture.cases.map((c) => [c.name, c]));

function caseNamed(name: string): ProtocolCase {
  const found = cases.get(name);
  if (!found) {
    throw new Error(`No fixture case ${name}`);
  }
  return found;
}

function orchestratorOf(c: ProtocolCase): string {
  const started = c.trigger.history.find((event: HistoryEvent) => event.EventType === 0);
  return String(started?.Name);
}

let app: LoadedApp;

beforeAll(async () => {
  app = await loadApp('protocol');
});

afterAll(() => setHooks(undefined));

describe('orchestrator protocol cases through the real invocation path', () => {
  it('covers all 22 fixture cases', () => {
    expect(fixture.cases).toHaveLength(22);
  });

  for (const c of fixture.cases) {
    it(c.name, async () => {
      const result = await app.invoker.invokeOrchestrator(orchestratorOf(c), structuredClone(c.trigger));
      if (c.thrown) {
        expect(result).toEqual({ kind: 'orchestratorError', state: c.response, messageBeforeLabel: 'false' });
        // The raw handler error: literally `false`, the label, then the state JSON.
        const raw = await app.invoke(orchestratorOf(c), { string: JSON.stringify(c.trigger) }).then(
          () => undefined,
          (error: unknown) => (error as Error).message,
        );
        expect(c.thrown.label).toBe(OUT_OF_PROC_DATA_LABEL);
        expect(raw?.startsWith(`${c.thrown.messageBeforeLabel}${c.thrown.label}`)).toBe(true);
        expect(
          JSON.parse(raw?.slice(c.thrown.messageBeforeLabel.length + c.thrown.label.length) ?? ''),
        ).toEqual(c.response);
      } else {
        expect(result).toEqual({ kind: 'state', state: c.response });
      }
    });
  }
});

/** Runs one scenario on the engine and returns every payload it sent to orchestrators. */
async function runScenario(
  orchestrator: string,
  drive: (h: Awaited<ReturnType<typeof startEngine>>, id: string) => Promise<void>,
  options: Parameters<typeof startEngine>[1] = {},
  input?: unknown,
): Promise<{ recorded: RecordedInvocation[]; harness: Awaited<ReturnType<typeof startEngine>> }> {
  const recorded: RecordedInvocation[] = [];
  finishedActivities.length = 0;
  const harness = await startEngine(recordingInvoker(app.invoker, recorded), options);
  const id = await harness.engine.startNew(orchestrator, { instanceId: 'inst-1', input });
  await drive(harness, id);
  return { recorded, harness };
}

function expectGenerated(recorded: RecordedInvocation[], ...caseNames: string[]): void {
  const generated = recorded
    .filter((r) => r.payload.instanceId === 'inst-1')
    .map((r) => ({ ...r.payload, isReplaying: undefined, history: projectHistory(r.payload.history) }));
  for (const name of caseNames) {
    const c = caseNamed(name);
    // isReplaying is recomputed by the SDK (§2.2); the fixtures always send false.
    // The fixtures were captured with a V3-advertising host; the real extension 3.19.0 advertises V4 and
    // sends sourceInstanceId (test/fixtures/real-durable), and so does the dev host.
    expect(generated, name).toContainEqual({
      ...c.trigger,
      upperSchemaVersionNew: 3,
      sourceInstanceId: null,
      isReplaying: undefined,
      history: projectHistory(c.trigger.history),
    });
  }
}

describe('the replay flags a host that numbered IDs in the wrong order', () => {
  it('id-ordering-wrong fails as nondeterministic, id-ordering-correct replays cleanly', async () => {
    const options = {
      instanceId: 'inst-1',
      executionId: 'e1',
      name: 'r',
      parentInstanceId: null,
      maxShortTimerMs: 6 * DAY,
      longTimerIntervalMs: 3 * DAY,
      failureFormat: 'legacy' as const,
      hasFunction: () => true,
      logger: () => undefined,
    };
    const wrong = caseNamed('id-ordering-wrong').trigger;
    const wrongState = await app.invoker.invokeOrchestrator('r', structuredClone(wrong));
    if (wrongState.kind === 'infrastructureError') {
      throw new Error(wrongState.message);
    }
    const flagged = await replayEpisode(wrong.history, wrong.history.length - 2, wrongState, options);
    // As in DTFx, the failure is added to the actions already produced by this replay.
    expect(flagged.decisions.map((d) => [d.kind, d.id])).toEqual([
      ['scheduleTask', 2],
      ['createTimer', 3],
      ['complete', 4],
    ]);
    expect(flagged.decisions[2]).toMatchObject({
      status: 'Failed',
      result:
        'A previous execution of this orchestration scheduled a timer task with sequence ID 2, but the current ' +
        "orchestration replay instead produced a ScheduleTaskOrchestratorAction ('C') action with this sequence " +
        'number. Was a change made to the orchestrator code after this instance had already started running?',
    });

    const correct = caseNamed('id-ordering-correct').trigger;
    const correctState = await app.invoker.invokeOrchestrator('r', structuredClone(correct));
    if (correctState.kind === 'infrastructureError') {
      throw new Error(correctState.message);
    }
    // Done in the SDK, but A's retry timer (ID 3) is still open, so the host does not complete it yet.
    expect(await replayEpisode(correct.history, correct.history.length - 2, correctState, options)).toEqual({
      decisions: [],
      customStatus: undefined,
      isSuspended: false,
      stalled: false,
    });
  });
});

describe('engine-generated histories match the fixture histories', () => {
  it('chain', async () => {
    const { recorded, harness } = await runScenario('chain', async (h, id) => {
      await h.waitFor(id, ['Completed']);
    });
    expectGenerated(recorded, 'chain-episode-1', 'chain-episode-2');
    expect((await harness.engine.getStatus('inst-1'))?.output).toEqual(['Hello Tokyo', 'Hello Seattle']);
    // Received events are stored as played once an episode processed them; each payload still sent
    // its own new events unplayed.
    expect(harness.engine.getHistory('inst-1')?.map((e) => [e.EventType, e.IsPlayed])).toEqual([
      [12, false],
      [0, true],
      [4, false],
      [13, false],
      [12, false],
      [5, true],
      [4, false],
      [13, false],
      [12, false],
      [5, true],
      [1, false],
      [13, false],
    ]);
    expect(recorded[1]?.payload.history.map((e) => e.IsPlayed)).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
    ]);
    await harness.engine.stop();
  });

  it('fan-out with completions arriving out of order in one episode', async () => {
    const gates = new Gates(['Work:a', 'Work:b', 'Work:c']);
    setHooks({ gate: gates.gate });
    const { recorded, harness } = await runScenario('fanOut', async (h, id) => {
      await gates.allArrived();
      // Hold episodes so the three completions land in one, in this order.
      h.engine.pauseOrchestrations();
      for (const key of ['Work:c', 'Work:a', 'Work:b']) {
        gates.release(key);
        await activityFinished(key);
      }
      h.engine.resumeOrchestrations();
      await h.waitFor(id, ['Completed']);
    });
    setHooks(undefined);
    expectGenerated(recorded, 'fanout-episode-1', 'fanout-complete-out-of-order');
    expect((await harness.engine.getStatus('inst-1'))?.output).toEqual(['A', 'B', 'C']);
    await harness.engine.stop();
  });

  it('retry: call, timer, call, zero-delay dummy timer, then the error', async () => {
    const { recorded, harness } = await runScenario('retry', async (h, id) => {
      await h.waitFor(id, ['Completed']);
    });
    expectGenerated(
      recorded,
      'retry-episode-1',
      'retry-after-last-failure-before-dummy-timer',
      'retry-after-dummy-timer',
    );
    const status = await harness.engine.getStatus('inst-1');
    expect(String(status?.output)).toMatch(/^caught: Activity function 'Flaky' failed: {2}boom2 \n /);
    await harness.engine.stop();
  });

  it('retry with FailureDetails', async () => {
    const { recorded, harness } = await runScenario(
      'retry',
      async (h, id) => {
        await h.waitFor(id, ['Completed']);
      },
      { failureFormat: 'failureDetails' },
    );
    expectGenerated(recorded, 'retry-with-FailureDetails');
    expect((await harness.engine.getStatus('inst-1'))?.output).toBe('caught: MyError: boom2');
    await harness.engine.stop();
  });

  it('monitor with custom status and continueAsNew', async () => {
    const { recorded, harness } = await runScenario(
      'monitor',
      async (h, id) => {
        await h.waitFor(id, ['Completed']);
      },
      {},
      { n: 3 },
    );
    expectGenerated(recorded, 'monitor-episode-1', 'monitor-continueAsNew');
    const status = await harness.engine.getStatus('inst-1');
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      input: { n: 4 },
      output: 'done',
      customStatus: { n: 4 },
    });
    expect(harness.engine.getHistory('inst-1')?.map((e) => e.EventType)).toEqual([
      12, 0, 13, 4, 13, 12, 5, 1, 13,
    ]);
    await harness.engine.stop();
  });

  it('long timer split into 3d/6d/9d/10d', async () => {
    const { recorded, harness } = await runScenario('longTimer', async (h, id) => {
      await h.waitFor(id, ['Completed']);
    });
    expectGenerated(recorded, 'longtimer-episode-1', 'longtimer-done');
    expect(harness.clock.now()).toBe(Date.UTC(2025, 0, 11));
    await harness.engine.stop();
  });

  it('sub-orchestration then external event', async () => {
    const { recorded, harness } = await runScenario('subAndEvent', async (h, id) => {
      await h.clock.settle();
      await h.engine.whenIdle();
      await h.engine.raiseEvent(id, 'Approval', { by: 'bob' });
      await h.waitFor(id, ['Completed']);
    });
    expectGenerated(recorded, 'suborch-and-event-episode-1', 'suborch-and-event-done');
    const child = recorded.find((r) => r.name === 'Child');
    expect(child?.payload.parentInstanceId).toBe('inst-1');
    expect((await harness.engine.getStatus('inst-1'))?.output).toEqual({ r: { ok: true }, e: { by: 'bob' } });
    await harness.engine.stop();
  });

  it('event wins the race; the cancelled timer does not hold the instance', async () => {
    const { recorded, harness } = await runScenario('race', async (h, id) => {
      await h.clock.settle();
      await h.engine.whenIdle();
      await h.clock.advanceBy(1000);
      await h.engine.raiseEvent(id, 'Approval', true);
      await h.clock.settle();
      await h.engine.whenIdle();
    });
    expectGenerated(recorded, 'race-episode-1', 'race-event-wins');
    expect(await harness.engine.getStatus('inst-1')).toMatchObject({
      runtimeStatus: 'Completed',
      output: 'approved:true',
    });
    expect(harness.engine.pendingTimerCount()).toBe(1);
    await harness.engine.stop();
  });

  it('orchestrator that throws fails the instance after replaying its actions', async () => {
    const { recorded, harness } = await runScenario('throws', async (h, id) => {
      await h.waitFor(id, ['Failed']);
    });
    expectGenerated(recorded, 'orchestrator-throws');
    expect(await harness.engine.getStatus('inst-1')).toMatchObject({
      runtimeStatus: 'Failed',
      output: "Orchestrator function 'throws' failed: bad thing",
    });
    await harness.engine.stop();
  });

  it('an entity the app lacks and callHttp fail clearly', async () => {
    for (const [name, caseName, text] of [
      [
        'entities',
        'entities-episode-1',
        "The function 'counter' doesn't exist, is disabled, or is not an entity function.",
      ],
      ['callHttp', 'callHttp-episode-1', 'callHttp is not supported by the dev host'],
    ] as const) {
      const { recorded, harness } = await runScenario(name, async (h, id) => {
        await h.waitFor(id, ['Failed']);
      });
      expectGenerated(recorded, caseName);
      const status = await harness.engine.getStatus('inst-1');
      expect(String(status?.output)).toContain(`Orchestrator function '${name}' failed: ${text}`);
      await harness.engine.stop();
    }
  });

  it('event-ID ordering: C=2 before the retry timer=3, never the wrong order', async () => {
    const gates = new Gates(['A:undefined', 'B:undefined']);
    setHooks({ gate: gates.gate, aFails: true });
    const { recorded, harness } = await runScenario('r', async (h, id) => {
      await gates.allArrived();
      h.engine.pauseOrchestrations();
      for (const key of ['B:undefined', 'A:undefined']) {
        gates.release(key);
        await activityFinished(key);
      }
      h.engine.resumeOrchestrations();
      await h.waitFor(id, ['Completed'], 1);
    });
    setHooks(undefined);
    expectGenerated(recorded, 'id-ordering-correct');
    const wrong = projectHistory(caseNamed('id-ordering-wrong').trigger.history);
    expect(recorded.map((r) => projectHistory(r.payload.history))).not.toContainEqual(wrong);
    const status = await harness.engine.getStatus('inst-1');
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: 'c' });
    // A's retry loop outlived the orchestrator: attempts 0, 4, 6 with timers 3, 5 and the dummy timer 7.
    const history = harness.engine.getHistory('inst-1') ?? [];
    expect(history.filter((e) => e.EventType === 4).map((e) => [e.EventId, e.Name])).toEqual([
      [0, 'A'],
      [1, 'B'],
      [2, 'C'],
      [4, 'A'],
      [6, 'A'],
    ]);
    expect(history.filter((e) => e.EventType === 10).map((e) => e.EventId)).toEqual([3, 5, 7]);
    expect(harness.logs.filter((l) => l.message.includes('WATCHDOG'))).toEqual([]);
    await harness.engine.stop();
  }, 20_000);

  it('the 10-day timer runs on virtual time', async () => {
    const { harness } = await runScenario('longTimer', async (h, id) => {
      await h.waitFor(id, ['Completed'], 11);
    });
    expect(harness.clock.now() - Date.UTC(2025, 0, 1)).toBe(10 * DAY);
    await harness.engine.stop();
  });
});
