// Per-entity serialization and ordering, as the real engine guarantees them: one batch of an entity at a
// time, the operations of each sender in the order sent (a call sees every earlier signal), while
// different entities run side by side. Sample app: test/host/apps/entityOrdering/.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadFunctionApp, type LoadedApp } from '../../../../dev/host/worker';
import { startEngine } from '../helpers';

interface Probe {
  running: Map<string, number>;
  peaks: Map<string, number>;
  overall: number;
}

const probe: Probe = { running: new Map(), peaks: new Map(), overall: 0 };
let app: LoadedApp;

beforeAll(async () => {
  (globalThis as { __entityOrderingHooks?: Probe }).__entityOrderingHooks = probe;
  app = await loadFunctionApp({
    appDir: path.join(__dirname, '..', '..', 'apps', 'entityOrdering'),
    log: () => undefined,
  });
});

afterAll(() => {
  delete (globalThis as { __entityOrderingHooks?: Probe }).__entityOrderingHooks;
});

describe('entity ordering and serialization', () => {
  it('runs one batch per entity at a time, keeps each sender’s order, and runs entities in parallel', async () => {
    const h = await startEngine(app.invoker, { maxEntityOperationBatchSize: 2 });
    try {
      const senders = ['s1', 's2', 's3', 's4'];
      for (const id of senders) {
        await h.engine.startNew('sender', {
          instanceId: id,
          input: { targets: ['shared', `own-${id}`], count: 9 },
        });
      }
      for (let n = 1; n <= 9; n++) {
        await h.engine.signalEntity({ name: 'Log', key: 'shared' }, 'append', `client:${n}`);
      }
      for (const id of senders) {
        await h.waitFor(id, ['Completed', 'Failed']);
        expect(await h.engine.getStatus(id)).toMatchObject({ runtimeStatus: 'Completed', output: 9 });
      }
      await h.engine.whenIdle();
      const shared = (await h.engine.readEntityState({ name: 'Log', key: 'shared' })).entityState as string[];
      expect(shared).toHaveLength(45);
      for (const sender of [...senders, 'client']) {
        expect(shared.filter((entry) => entry.startsWith(`${sender}:`))).toEqual(
          Array.from({ length: 9 }, (_, i) => `${sender}:${i + 1}`),
        );
      }
      for (const id of senders) {
        expect((await h.engine.readEntityState({ name: 'Log', key: `own-${id}` })).entityState).toEqual(
          Array.from({ length: 9 }, (_, i) => `${id}:${i + 1}`),
        );
      }
      expect([...probe.peaks.values()].every((peak) => peak === 1)).toBe(true);
      expect(probe.peaks.size).toBe(5);
      expect(probe.overall).toBeGreaterThan(1);
    } finally {
      await h.engine.stop();
    }
  }, 60_000);
});
