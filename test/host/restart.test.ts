import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost } from '../../dev/host';

const appDir = path.join(__dirname, 'apps', 'starter');
const START = Date.UTC(2026, 0, 1);
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'host-restart-'));

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('stopping and restarting the host on the same data directory', () => {
  it('resumes a mid-orchestration instance, keeps the keys, and re-registers the app', async () => {
    const clock = new VirtualClock(START);
    const first = await startDevHost({ appDir, clock, dataDir, log: () => undefined });
    const id = await first.getClient().startNew('sleepsADay', { instanceId: 'survivor' });
    const running = await first.waitForInstance(id, { statuses: ['Running'] });
    expect(running.runtimeStatus).toBe('Running');
    const keys = { master: first.masterKey, fn: first.functionKey, dt: first.durableTaskKey };
    await first.close();

    const laterClock = new VirtualClock(START + 3_600_000);
    const second = await startDevHost({ appDir, clock: laterClock, dataDir, log: () => undefined });
    try {
      expect({ master: second.masterKey, fn: second.functionKey, dt: second.durableTaskKey }).toEqual(keys);
      expect([...second.app.registry.keys()].sort()).toEqual([
        'fortnight',
        'greet',
        'helloCities',
        'sleepsADay',
        'startAndWait',
        'startOrchestration',
      ]);
      const done = await second.waitForInstance(id);
      expect(done).toMatchObject({
        instanceId: 'survivor',
        runtimeStatus: 'Completed',
        output: `woke at ${new Date(START + 86_400_000).toISOString()}`,
      });
      const response = await fetch(`${second.baseUrl}/api/run/helloCities`, { method: 'POST' });
      expect(await response.json()).toEqual(['Hello Tokyo!', 'Hello Seattle!', 'Hello London!']);
    } finally {
      await second.close();
    }
  });
});
