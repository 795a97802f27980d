// Long timers, split like the Azure Storage provider, and re-armed after a restart.
// Sample app: test/host/durable/apps/longTimers/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  DAY,
  FIXTURE_START,
  scheduled,
  settled,
  startEngine,
  useScenarioApp,
  type Harness,
} from '../helpers';

const scenario = useScenarioApp('longTimers');

describe('long timers', () => {
  it('splits a 10-day timer at 3-day intervals and wakes at the final time', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('sleeper', { input: { days: 10 } });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe('2025-01-11T00:00:00.000Z');
    // Each episode starts at the virtual time its timer fired.
    const starts = (h.engine.getHistory(id) ?? []).filter((e) => e.EventType === 12).map((e) => e.Timestamp);
    expect(starts).toEqual([
      '2025-01-01T00:00:00.000Z',
      '2025-01-04T00:00:00.000Z',
      '2025-01-07T00:00:00.000Z',
      '2025-01-10T00:00:00.000Z',
      '2025-01-11T00:00:00.000Z',
    ]);
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [10, 0, 3 * DAY],
      [10, 1, 6 * DAY],
      [10, 2, 9 * DAY],
      [10, 3, 10 * DAY],
    ]);
  });

  it('does not split when the provider has no maximum', async () => {
    const h = await scenario.engine({ maxShortTimerMs: Infinity, longTimerIntervalMs: 3 * DAY });
    const id = await h.engine.startNew('sleeper', { input: { days: 10 } });
    await h.waitFor(id, ['Completed']);
    expect(scheduled(h.engine.getHistory(id))).toEqual([[10, 0, 10 * DAY]]);
  });
});

describe('persistence', () => {
  it('re-arms persisted timers after a restart; timers already due fire at once', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'durable-restart-'));
    let second: Harness | undefined;
    try {
      const first = await startEngine(scenario.app.invoker, { dataDir });
      const id = await first.engine.startNew('sleeper', { instanceId: 'sleepy', input: { days: 10 } });
      const other = await first.engine.startNew('sleeper', { instanceId: 'later', input: { days: 30 } });
      await settled(first);
      expect(first.engine.pendingTimerCount()).toBe(2);
      await first.engine.stop();

      // Twenty days pass while the host is down.
      second = await startEngine(scenario.app.invoker, { dataDir }, FIXTURE_START + 20 * DAY);
      await settled(second);
      expect(await second.engine.getStatus(id)).toMatchObject({
        runtimeStatus: 'Completed',
        output: '2025-01-21T00:00:00.000Z',
      });
      // The 30-day instance's first 3-day sub-timer was due too; its next one is armed on the clock.
      expect((await second.engine.getStatus(other))?.runtimeStatus).toBe('Running');
      expect(second.engine.pendingTimerCount()).toBe(1);
      expect(scheduled(second.engine.getHistory(other))).toEqual([
        [10, 0, 3 * DAY],
        [10, 1, 23 * DAY],
      ]);
    } finally {
      await second?.engine.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
