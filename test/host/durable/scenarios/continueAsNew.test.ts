// continueAsNew, with events pending across the generation change.
// Sample app: test/host/durable/apps/continueAsNew/.
import { describe, expect, it } from 'vitest';

import { FIXTURE_START, settled, useScenarioApp } from '../helpers';

const scenario = useScenarioApp('continueAsNew');

describe('continueAsNew', () => {
  it('starts a new execution with a reset history and drops buffered events', async () => {
    const h = await scenario.engine();
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
    const h = await scenario.engine();
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
    const h = await scenario.engine();
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
    const h = await scenario.engine();
    const id = await h.engine.startNew('counter', { input: 0 });
    for (let i = 0; i < 3; i++) {
      await h.engine.raiseEvent(id, 'go', i);
    }
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe(3);
  });
});
