import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import { fileLogSink, startStack, type Stack, type StackOptions } from '../../dev/stack/stack';

/** How the stack starts and fails to start on a data directory, with the stand-in app of stackWiring. */

const APP_DIR = join(__dirname, 'apps', 'wiring');
const T0 = Date.UTC(2026, 0, 1, 4, 0);
const dirs: string[] = [];
let stack: Stack | undefined;
let blocker: Server | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});
afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpcopy-stack-start-'));
  dirs.push(dir);
  return dir;
}

function options(dataDir: string, extra: Partial<StackOptions> = {}): StackOptions {
  return {
    clock: new VirtualClock(T0),
    dataDir,
    appDir: APP_DIR,
    simulator: { lroDurationMs: 0, lroRetryAfterSeconds: 0 },
    armPollIntervalMs: 5,
    ...extra,
  };
}

async function takenPort(): Promise<number> {
  const server = createServer();
  blocker = server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') {
    throw new Error('no port');
  }
  return address.port;
}

describe('starting the local stack', () => {
  it('leaves no half-made data directory when the explicit --port is taken', async () => {
    const dataDir = join(tempDir(), 'state');
    const port = await takenPort();

    const start = startStack(options(dataDir, { port, log: () => undefined }));

    await expect(start).rejects.toThrow(/EADDRINUSE/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('removes only its own files from a data directory that existed before the refused start', async () => {
    const dataDir = tempDir();
    mkdirSync(join(dataDir, 'mine'));
    const port = await takenPort();

    await expect(startStack(options(dataDir, { port, log: () => undefined }))).rejects.toThrow(/EADDRINUSE/);

    expect(readdirSync(dataDir)).toEqual(['mine']);
  });

  it('writes host.log lines with both clocks, each labelled', async () => {
    const file = join(tempDir(), 'host.log');
    const clock = new VirtualClock(T0);
    const log = fileLogSink(file, clock);

    log({ level: 'warning', category: 'user', functionName: 'copyRestorePoint', message: 'slow disk' });
    await clock.advanceBy(90_000);
    log({ level: 'information', category: 'system', message: 'ready' });

    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    const real = String.raw`real \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          String.raw`^${real} simulated 2026-01-01T04:00:00\.000Z warning \[copyRestorePoint\] slow disk$`,
        ),
      ),
      expect.stringMatching(
        new RegExp(String.raw`^${real} simulated 2026-01-01T04:01:30\.000Z information ready$`),
      ),
    ]);
  });
});
