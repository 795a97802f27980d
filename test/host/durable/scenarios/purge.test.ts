// Purge.
// Sample app: test/host/durable/apps/purge/.
import { describe, expect, it } from 'vitest';

import { DAY, FIXTURE_START, settled, useScenarioApp } from '../helpers';

const scenario = useScenarioApp('purge');

describe('purge', () => {
  it('purges one instance or many by filter', async () => {
    const h = await scenario.engine();
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
});
