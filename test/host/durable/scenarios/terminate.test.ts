// Terminate.
// Sample app: test/host/durable/apps/terminate/.
import { describe, expect, it } from 'vitest';

import { EngineError } from '../../../../dev/host/contract';
import { settled, useScenarioApp } from '../helpers';

const scenario = useScenarioApp('terminate');

describe('terminate', () => {
  it('terminate ends a running instance and later events are refused with gone', async () => {
    const h = await scenario.engine();
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
});
