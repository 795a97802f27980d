// Sub-orchestrations.
// Sample app: test/host/durable/apps/subOrchestrations/.
import { describe, expect, it } from 'vitest';

import { SHIM_FAILURE_STACK } from '../../../../dev/host/durable/replayEpisode';
import { useScenarioApp } from '../helpers';

const scenario = useScenarioApp('subOrchestrations');

describe('sub-orchestrations', () => {
  it('runs children with parentInstanceId, default IDs and failure propagation', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('parent', { instanceId: 'p1' });
    await h.waitFor(id, ['Completed']);
    const parentHistory = h.engine.getHistory(id) ?? [];
    const executionId = (
      parentHistory.find((e) => e.EventType === 0)?.OrchestrationInstance as { ExecutionId: string }
    ).ExecutionId;
    expect((await h.engine.getStatus(id))?.output).toEqual({
      child: { input: 'hello', parent: 'p1', self: `${executionId}:0` },
      // Legacy format: the SDK's "<Reason> \n <Details>", Details being the extension's orchestrator failure text.
      failure: `Orchestrator function 'failingChild' failed: child broke \n Message: child broke, StackTrace: ${SHIM_FAILURE_STACK}`,
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
