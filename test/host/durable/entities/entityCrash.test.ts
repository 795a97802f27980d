// An entity survives a crash: the host is killed while a batch runs, and after a restart the committed
// state and the queued operations (including an orchestration's pending call) are intact, and no
// operation is applied twice. Sample app: test/host/apps/entityCrash/.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { ensureBuilt } from '../../../e2e/helpers/ensureBuilt';
import { logLines, spawnDriver } from '../driverProcess';

const driver = path.join(__dirname, 'entityCrashDriver.js');
const appDir = path.join(__dirname, '..', '..', 'apps', 'entityCrash');
const children: ChildProcess[] = [];
let dataDir = '';

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

function runDriver(mode: 'start' | 'resume', logFile: string, blockAt: string) {
  return spawnDriver(driver, [dataDir, appDir, mode], { CRASH_LOG: logFile, BLOCK_AT: blockAt }, children);
}

describe('entity crash and restart', () => {
  it('keeps committed state and queued operations across SIGKILL, applying each operation once', async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'entity-crash-'));
    const logFile = path.join(dataDir, 'operations.log');

    const first = runDriver('start', logFile, '4');
    const deadline = Date.now() + 20_000;
    while (!logLines(logFile).includes('add 4')) {
      if (Date.now() > deadline) {
        throw new Error(`the batch never reached 'add 4': ${logLines(logFile).join(', ')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();
    expect(first.stdout()).toBe('ready\n');

    const second = runDriver('resume', logFile, 'none');
    expect(await second.exited).toBe(0);
    const lines = second.stdout().split('\n').filter(Boolean);
    expect(lines[0]).toBe('ready');
    expect(JSON.parse(lines[1] ?? '{}')).toEqual({
      output: 21,
      state: { entityExists: true, entityState: 21 },
    });
    // The killed batch's code ran again (at least once), its effect on the state only once.
    expect(logLines(logFile)).toEqual(['add 1', 'add 2', 'add 3', 'add 4', 'add 4', 'add 5', 'add 6']);
  }, 90_000);
});
