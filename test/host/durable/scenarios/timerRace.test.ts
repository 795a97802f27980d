// A timer raced against an external event.
// Sample app: test/host/durable/apps/timerRace/.
import { describe, expect, it } from 'vitest';

import { FIXTURE_START, settled, useScenarioApp } from '../helpers';

const scenario = useScenarioApp('timerRace');

describe('timer vs event race', () => {
  it('a cancelled losing timer does not keep the instance running', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('raceTimer', { input: { cancel: true } });
    await settled(h);
    await h.engine.raiseEvent(id, 'Approval', 1);
    await settled(h);
    expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 'event' });
    expect(h.clock.now()).toBe(FIXTURE_START);
  });

  it('an un-cancelled losing timer keeps the instance Running until it fires', async () => {
    const h = await scenario.engine();
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
