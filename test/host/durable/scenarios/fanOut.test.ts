// Fan-out/fan-in with a failing branch.
// Sample app: test/host/durable/apps/fanOut/.
import { describe, expect, it } from 'vitest';

import { activityFinished, Gates, scheduled, setHooks, until, useScenarioApp } from '../helpers';

const scenario = useScenarioApp('fanOut');

describe('fan-out / fan-in', () => {
  it('with a failing branch, the action yielded in catch is scheduled only after the other branches finish', async () => {
    const gates = new Gates(['Slow:a', 'Slow:c']);
    setHooks({ gate: gates.gate });
    const h = await scenario.engine();
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
      // Two spaces, as on the real extension (test/fixtures/real-durable/retries.json).
      cleaned: "cleaned after: Activity function 'Explode' failed:  exploded on b",
      results: ['slow a', 'failed', 'slow c'],
    });
    const history = h.engine.getHistory(id) ?? [];
    const cleanupAt = history.findIndex((e) => e.EventType === 4 && e.Name === 'Cleanup');
    const lastBranchAt = history.findIndex((e) => e.EventType === 5 && e.TaskScheduledId === 2);
    expect(history[cleanupAt]?.EventId).toBe(3);
    expect(cleanupAt).toBeGreaterThan(lastBranchAt);
  });
});
