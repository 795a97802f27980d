import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { HistoryEvent, InstanceStatus } from '../../../dev/host/contract';
import { ensureBuilt } from '../../e2e/helpers/ensureBuilt';
import { type DriverRun, logLines, spawnDriver } from './driverProcess';
import { appDir } from './helpers';

const driver = path.join(__dirname, 'crashDriver.js');
const children: ChildProcess[] = [];
let dataDir = '';

// The driver runs the compiled engine; this builds dist/ when it is older than the sources, under the
// lock the other process tests share, so two test files never run tsc over dist/ at once.
beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterEach(() => {
  for (const child of children.splice(0)) {
    child.kill('SIGKILL');
  }
  if (dataDir) {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

function runDriver(mode: 'start' | 'resume', logFile: string): DriverRun {
  return spawnDriver(driver, [dataDir, appDir('crash'), mode], { CRASH_LOG: logFile }, children);
}

async function waitForLines(logFile: string, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (logLines(logFile).length < count) {
    if (Date.now() > deadline) {
      throw new Error(`only ${logLines(logFile).length} step(s) ran`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('crash and restart', () => {
  it('resumes a mid-orchestration instance after SIGKILL, twice, with no lost work', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'durable-crash-'));
    const logFile = path.join(dataDir, 'steps.log');

    const first = runDriver('start', logFile);
    await waitForLines(logFile, 2);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(first.stdout()).toBe('ready\n');

    const second = runDriver('resume', logFile);
    await waitForLines(logFile, 4);
    second.child.kill('SIGKILL');
    expect(await second.exited).toBeNull();

    const third = runDriver('resume', logFile);
    expect(await third.exited).toBe(0);
    const lines = third.stdout().split('\n').filter(Boolean);
    expect(lines[0]).toBe('ready');
    const result = JSON.parse(lines[1] ?? '{}') as { status: InstanceStatus; history: HistoryEvent[] };

    expect(result.status).toMatchObject({
      name: 'crashy',
      instanceId: 'crash-1',
      runtimeStatus: 'Completed',
      output: [0, 1, 2, 3, 4].map((step) => `step ${step} by worker`),
    });
    // Every step's side effect happened at least once (a step killed mid-flight runs again).
    const steps = logLines(logFile);
    expect([...new Set(steps)].sort()).toEqual(['step 0', 'step 1', 'step 2', 'step 3', 'step 4']);
    // The orchestration itself completed exactly once, with each task scheduled and completed once.
    const types = result.history.map((e) => e.EventType);
    expect(types.filter((t) => t === 0)).toHaveLength(1);
    expect(types.filter((t) => t === 1)).toHaveLength(1);
    expect(result.history.filter((e) => e.EventType === 4).map((e) => e.EventId)).toEqual([0, 1, 2, 4, 5]);
    expect(result.history.filter((e) => e.EventType === 5).map((e) => e.TaskScheduledId)).toEqual([
      0, 1, 2, 4, 5,
    ]);
    expect(result.history.filter((e) => e.EventType === 11).map((e) => e.TimerId)).toEqual([3]);
  }, 90_000);
});
