import { afterEach, describe, expect, it } from 'vitest';

import type { HistoryEvent, OrchestrationTriggerPayload } from '../../dev/host';
import type { DevDurableEngine } from '../../dev/host/durable';
import { EventType } from '../../dev/host/durable';
import { ORCHESTRATOR_NAME } from '../../src/domain/copyContracts';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';
import { orchestrationPayload } from '../support/orchestrationPayload';

function payloadFor(instanceId: string, history: HistoryEvent[]): OrchestrationTriggerPayload {
  const started = history.find((event) => event.EventType === (EventType.ExecutionStarted as number));
  return orchestrationPayload(
    instanceId,
    JSON.parse(typeof started?.Input === 'string' ? started.Input : 'null') as unknown,
    history.map((event) => ({ ...event, IsPlayed: true })),
    { isReplaying: true },
  );
}

describe('replay and history size, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('keeps the history of a multi-day copy bounded with continueAsNew, and replays it to the same result', async () => {
    // Prepare: a copy of days (a large disk at a low throughput) and short generations.
    stack = await startAppStack({
      settings: { RPCOPY_POLLS_PER_GENERATION: '3', RPCOPY_MAX_POLL_INTERVAL_SECONDS: '3600' },
      sim: { throughputMiBps: 10 },
    });
    await seedSource(stack.h, { diskSizesGB: [2048], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    const id = copyIdFor(source, 'westus2');

    // Act
    await stack.api('POST', 'copies', { sourceRestorePointId: source });
    const status = await stack.waitForCopy(id);
    const document = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
    const history = (stack.host.engine as DevDurableEngine).getHistory(id) ?? [];
    const replays = await Promise.all(
      [1, 2].map(() => stack.host.app.invoker.invokeOrchestrator(ORCHESTRATOR_NAME, payloadFor(id, history))),
    );

    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    expect(document.status).toBe('Succeeded');
    expect(Date.parse(document.completedAt ?? '') - Date.parse(document.startedAt ?? '')).toBeGreaterThan(
      2 * 86_400_000,
    );
    expect((status.input as { carried?: { generation: number } }).carried?.generation).toBeGreaterThan(5);
    expect(history.length).toBeLessThan(60);
    for (const replay of replays) {
      expect(replay.kind).toBe('state');
      expect(replay.kind === 'state' && replay.state.isDone).toBe(true);
      expect(replay.kind === 'state' && replay.state.output).toEqual(document);
    }
  });
});
