import { afterEach, describe, expect, it } from 'vitest';

import type { HistoryEvent } from '../../dev/host';
import type { DevDurableEngine } from '../../dev/host/durable';
import { EventType } from '../../dev/host/durable';
import { historyEvent } from '../../dev/host/durable/historyEvents';
import { copyIdFor } from '../../src/copyId';
import { ORCHESTRATOR_NAME } from '../../src/domain/copyContracts';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';
import { orchestrationPayload } from '../support/orchestrationPayload';

interface Action {
  actionType: number;
  functionName?: string;
  fireAt?: string;
  compoundActions?: Action[];
}

/** What the orchestrator scheduled last: an activity's name, or `timer`, raced against the cancel event. */
function lastScheduled(state: unknown): string | undefined {
  const action = (state as { actions: Action[][] }).actions.flat().at(-1);
  const first = action?.compoundActions?.[0] ?? action;
  return first?.functionName ?? (first?.fireAt === undefined ? undefined : 'timer');
}

describe('timers that fire early, as the real engine delivers them', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('ends a wait when its timer fires up to a second before the fire time, without re-arming a timer', async () => {
    // Prepare: a copy waiting on the timer before its first progress read.
    stack = await startAppStack();
    await seedSource(stack.h, { tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    const id = copyIdFor(source, 'westus2');
    await stack.api('POST', 'copies', { sourceRestorePointId: source });
    await stack.clock.settle();
    const history = (stack.host.engine as DevDurableEngine).getHistory(id) ?? [];
    const timer = history.findLast((event) => event.EventType === (EventType.TimerCreated as number));
    const started = history.find((event) => event.EventType === (EventType.ExecutionStarted as number));
    expect(timer).toBeDefined();
    const fireAt = String(timer?.FireAt);
    // Azure Storage delivers the timer 800 ms before its fire time: the episode's clock reads earlier.
    const early = Date.parse(fireAt) - 800;
    const delivered: HistoryEvent[] = [
      ...history.map((event) => ({ ...event, IsPlayed: true })),
      historyEvent(EventType.OrchestratorStarted, early),
      historyEvent(EventType.TimerFired, early, { TimerId: timer?.EventId, FireAt: fireAt }),
    ];

    // Act
    const result = await stack.host.app.invoker.invokeOrchestrator(
      ORCHESTRATOR_NAME,
      orchestrationPayload(id, JSON.parse(String(started?.Input)) as unknown, delivered),
    );

    // Assess: the copy reads its progress now; it does not wait out the remaining 800 ms on a new timer.
    expect(result.kind).toBe('state');
    expect(result.kind === 'state' && lastScheduled(result.state)).toBe('getCopyProgressActivity');
  });
});
