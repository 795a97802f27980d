import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterEach, beforeAll, describe, expect, it } from 'vitest';

import { EventType, historyEvent } from '../../../dev/host/durable/historyEvents';
import { DurableStore, loadSqlite, type NewMessage } from '../../../dev/host/durable/durableStore';
import { ensureBuilt, REPO_ROOT } from '../../e2e/helpers/ensureBuilt';

const HUB = 'StoreTestHub';
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'durable-store-'));
  dirs.push(dir);
  return dir;
}

function message(instanceId: string, visibleAt: number): NewMessage {
  return { instanceId, executionId: null, event: historyEvent(EventType.EventRaised, visibleAt), visibleAt };
}

afterEach(() => {
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('durable store scheduling index', () => {
  it('hands out the instances whose earliest message came due first, a page at a time', () => {
    const store = new DurableStore(undefined, HUB);
    try {
      // 1,000 instances ready at once, inserted in reverse due order, plus one not due yet.
      for (let i = 999; i >= 0; i--) {
        store.insertMessage(message(`i${i}`, 1_000 + i));
      }
      const early = store.insertMessage(message('i500', 10));
      store.insertMessage(message('later', 5_000));

      expect(store.readyInstanceIds(2_000, 3)).toEqual(['i500', 'i0', 'i1']);
      expect(store.readyInstanceIds(1_000, 10)).toEqual(['i500', 'i0']);
      expect(store.hasWork(9)).toBe(false);
      expect(store.hasWork(10)).toBe(true);

      // Consuming i500's early message moves it back to its own next message.
      store.transaction(() => store.deleteMessages([early]));
      expect(store.readyInstanceIds(2_000, 2)).toEqual(['i0', 'i1']);
      expect(store.readyInstanceIds(1_500, 600).at(-1)).toBe('i500');

      // Consuming everything leaves only the future message.
      for (let i = 0; i < 1_000; i++) {
        store.deleteMessages(store.messageIdsFor(`i${i}`));
      }
      expect(store.readyInstanceIds(4_999, 10)).toEqual([]);
      expect(store.readyInstanceIds(5_000, 10)).toEqual(['later']);
      expect(store.hasWork(4_999)).toBe(false);
    } finally {
      store.close();
    }
  });

  it('hands out the oldest activities first, no more than asked', () => {
    const store = new DurableStore(undefined, HUB);
    try {
      const ids = [0, 1, 2, 3].map((taskId) =>
        store.insertActivity({ instanceId: 'a', executionId: 'e', taskId, name: 'work', input: undefined }),
      );
      expect(store.pendingActivities(2).map((row) => row.taskId)).toEqual([0, 1]);
      expect(store.deleteActivity(ids[0] ?? -1)).toBe(true);
      expect(store.pendingActivities(10).map((row) => row.taskId)).toEqual([1, 2, 3]);
      expect(store.hasWork(0)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('indexes the messages of a store written before the index existed', () => {
    const dir = tempDir();
    const first = new DurableStore(dir, HUB);
    first.insertMessage(message('b', 20));
    first.insertMessage(message('a', 30));
    first.insertMessage(message('a', 10));
    first.close();

    const raw = new (loadSqlite().DatabaseSync)(path.join(dir, 'durable.sqlite'));
    raw.exec(`DROP TABLE ${HUB}_due`);
    raw.close();

    const reopened = new DurableStore(dir, HUB);
    try {
      expect(reopened.readyInstanceIds(100, 10)).toEqual(['a', 'b']);
      expect(reopened.readyInstanceIds(15, 10)).toEqual(['a']);
    } finally {
      reopened.close();
    }
  });
});

describe('durable store durability', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);

  // The store no longer syncs the disk at each commit; a killed process must still lose nothing committed.
  it('keeps every commit a SIGKILLed process reported', async () => {
    const dir = tempDir();
    const storeModule = path.join(REPO_ROOT, 'dist', 'dev', 'host', 'durable', 'durableStore.js');
    const writer = `
      const { DurableStore } = require(${JSON.stringify(storeModule)});
      const store = new DurableStore(${JSON.stringify(dir)}, ${JSON.stringify(HUB)});
      let n = 0;
      const tick = () => {
        for (let k = 0; k < 20; k++, n++) {
          store.transaction(() => store.insertMessage({
            instanceId: 'w' + n, executionId: null, event: { EventType: 6, EventId: -1 }, visibleAt: n,
          }));
          process.stdout.write(n + '\\n');
        }
        setImmediate(tick);
      };
      tick();
    `;
    const child = spawn(process.execPath, ['--no-warnings', '-e', writer], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.split('\n').length > 500) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', () => reject(new Error(`the writer exited early: ${err}`)));
    });
    expect(await exited).toBe('SIGKILL');
    const reported = out.split('\n').filter((line) => /^\d+$/.test(line)).length;

    const reopened = new DurableStore(dir, HUB);
    try {
      const committed = reopened.readyInstanceIds(Number.MAX_SAFE_INTEGER, 1_000_000);
      expect(committed.length).toBeGreaterThanOrEqual(reported);
      expect(committed.slice(0, reported)).toEqual(Array.from({ length: reported }, (_, n) => `w${n}`));
    } finally {
      reopened.close();
    }
  }, 60_000);
});
