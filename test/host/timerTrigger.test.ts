import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost, type DevHost, type LogEntry } from '../../dev/host';

const appDir = path.join(__dirname, 'apps', 'timer');
const START = Date.UTC(2026, 0, 1, 0, 1, 0);

type Fired = {
  fn: string;
  timer: { isPastDue: boolean; schedule: unknown; scheduleStatus: Record<string, string> };
};
const fired = (): Fired[] => (globalThis as { __timerSampleFired?: Fired[] }).__timerSampleFired ?? [];

describe('timer triggers on the virtual clock', () => {
  const clock = new VirtualClock(START);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'timer-test-'));
  let host: DevHost;
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    host = await startDevHost({ appDir, clock, dataDir, log: (entry) => logs.push(entry) });
  });

  afterAll(async () => {
    await host.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await clock.settle();
  });

  it('runs runOnStartup timers once at start, with camelCased timer info', () => {
    expect(fired()).toEqual([
      {
        fn: 'onStartup',
        timer: {
          isPastDue: false,
          schedule: { adjustForDST: true },
          scheduleStatus: {
            last: '0001-01-01T00:00:00',
            next: '2026-01-02T00:01:00.000Z',
            lastUpdated: '2026-01-01T00:01:00.000Z',
          },
        },
      },
    ]);
    fired().length = 0;
  });

  it('fires an NCRONTAB schedule at each occurrence, on time', async () => {
    await clock.advanceTo(Date.UTC(2026, 0, 1, 0, 15, 0));
    expect(fired().map((f) => [f.fn, f.timer.isPastDue, f.timer.scheduleStatus.next])).toEqual([
      ['everyFiveMinutes', false, '2026-01-01T00:10:00.000Z'],
      ['everyFiveMinutes', false, '2026-01-01T00:15:00.000Z'],
      ['everyFiveMinutes', false, '2026-01-01T00:20:00.000Z'],
    ]);
    expect(fired()[1]?.timer.scheduleStatus).toEqual({
      last: '2026-01-01T00:05:00.000Z',
      next: '2026-01-01T00:15:00.000Z',
      lastUpdated: '2026-01-01T00:10:00.000Z',
    });
    fired().length = 0;
  });

  it('resolves %SETTING% schedules from app settings', async () => {
    await clock.advanceTo(Date.UTC(2026, 0, 1, 2, 30, 0));
    expect(
      fired()
        .filter((f) => f.fn === 'nightly')
        .map((f) => f.timer.scheduleStatus.next),
    ).toEqual(['2026-01-02T02:30:00.000Z']);
    fired().length = 0;
  });

  it('fireTimer runs a timer function now and surfaces its failure', async () => {
    await host.fireTimer('nightly');
    expect(fired().map((f) => [f.fn, f.timer.isPastDue])).toEqual([['nightly', false]]);
    await expect(host.fireTimer('failing')).rejects.toThrow('timer handler failed');
    await expect(host.fireTimer('nope')).rejects.toThrow(/No timer-triggered function named 'nope'/);
    fired().length = 0;
  });

  it('POST /admin/functions/{name} runs a timer with the master key', async () => {
    const url = `${host.baseUrl}/admin/functions/everyFiveMinutes`;
    expect((await fetch(url, { method: 'POST', body: '{}' })).status).toBe(401);
    const response = await fetch(url, {
      method: 'POST',
      body: '{}',
      headers: { 'x-functions-key': host.masterKey },
    });
    expect(response.status).toBe(202);
    await clock.settle();
    expect(fired().map((f) => f.fn)).toEqual(['everyFiveMinutes']);
    fired().length = 0;
  });

  it('runs three virtual days of five-minute timers', async () => {
    const from = clock.now();
    await clock.advanceBy(3 * 24 * 3_600_000);
    const runs = fired().filter((f) => f.fn === 'everyFiveMinutes');
    expect(runs).toHaveLength(3 * 24 * 12);
    expect(runs.every((f) => !f.timer.isPastDue)).toBe(true);
    expect(fired().filter((f) => f.fn === 'nightly')).toHaveLength(3);
    expect(clock.now()).toBe(from + 3 * 24 * 3_600_000);
    fired().length = 0;
  });

  it('after downtime that skipped occurrences, runs the timer once, past due', async () => {
    const lastDue = clock.nextDueAt();
    await host.close();
    // The host was down for 27 minutes: five occurrences of the five-minute timer were missed.
    const later = new VirtualClock(clock.now() + 27 * 60_000);
    host = await startDevHost({ appDir, clock: later, dataDir, log: (entry) => logs.push(entry) });
    await later.advanceBy(0);
    const runs = fired().filter((f) => f.fn === 'everyFiveMinutes');
    expect(runs.map((f) => [f.timer.isPastDue, f.timer.scheduleStatus.next])).toEqual([
      [true, new Date(Math.ceil((later.now() + 1) / 300_000) * 300_000).toISOString()],
    ]);
    expect(lastDue).toBeLessThan(later.now());
    fired().length = 0;
    await later.advanceBy(5 * 60_000);
    expect(
      fired()
        .filter((f) => f.fn === 'everyFiveMinutes')
        .map((f) => f.timer.isPastDue),
    ).toEqual([false]);
  });
});
