import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import {
  savedClockTime,
  startStack,
  writeReadyFile,
  type Stack,
  type StackOptions,
} from '../../dev/stack/stack';
import { DEMO_SUBSCRIPTION_ID } from '../../dev/stack/seed';

/**
 * The stack's plumbing with a stand-in app (test/e2e/apps/wiring) that echoes every ARM event it receives to
 * the configured Event Grid topic: simulator → webhook → app → sink, the settings the app is given, the seed,
 * the schedule and a restart on the same data directory.
 */

const APP_DIR = join(__dirname, 'apps', 'wiring');
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const dirs: string[] = [];
let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});
afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpcopy-stack-'));
  dirs.push(dir);
  return dir;
}

async function start(
  dataDir: string,
  clock: VirtualClock,
  extra: Partial<StackOptions> = {},
): Promise<Stack> {
  stack = await startStack({
    clock,
    dataDir,
    appDir: APP_DIR,
    port: 0,
    simulator: { lroDurationMs: 0, lroRetryAfterSeconds: 0 },
    armPollIntervalMs: 5,
    log: () => undefined,
    ...extra,
  });
  return stack;
}

/** Bounded real-time wait for work the stack does between clock ticks (SDK pollers sleep in real time). */
async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function seen(current: Stack): { subject: unknown; data: unknown }[] {
  return current.sink
    .events()
    .filter((entry) => entry.event.type === 'Wiring.Seen')
    .map((entry) => ({ subject: entry.event.subject, data: entry.event.data }));
}

describe('local stack wiring', () => {
  it('delivers ARM events to the app, configures it for the simulator and the sink, and reports ready', async () => {
    // Prepare
    const dataDir = tempDir();
    const clock = new VirtualClock(T0);
    const current = await start(dataDir, clock);

    // Act
    const rpId = await current.createSourceRestorePoint('rp-1');
    await clock.settle();

    // Assess
    const collectionId = `/subscriptions/${DEMO_SUBSCRIPTION_ID}/resourceGroups/rpcopy-demo/providers/Microsoft.Compute/restorePointCollections/demo-vm-rpc`;
    expect(current.ready).toEqual({
      appUrl: current.host.baseUrl,
      functionKey: current.host.functionKey,
      armEndpoint: current.simulator.endpoint,
      caCertificatePath: join(dataDir, 'simulator-ca.pem'),
      eventSinkUrl: current.sink.url,
      eventSinkKey: current.sink.key,
      subscriptionId: DEMO_SUBSCRIPTION_ID,
      sourceCollectionId: collectionId,
    });
    expect(readFileSync(join(dataDir, 'simulator-ca.pem'), 'utf8')).toBe(current.simulator.caCertificatePem);
    expect(rpId).toBe(`${collectionId}/restorePoints/rp-1`);
    expect(seen(current)).toEqual([
      {
        subject: rpId,
        data: {
          eventType: 'Microsoft.Resources.ResourceWriteSuccess',
          armEndpoint: current.simulator.endpoint,
          armCredential: 'static',
          caCertificate: join(dataDir, 'simulator-ca.pem'),
          allowedSubscriptions: DEMO_SUBSCRIPTION_ID,
        },
      },
    ]);
    const response = await fetch(`${current.ready.appUrl}/api/copies`, {
      headers: { 'x-functions-key': current.ready.functionKey },
    });
    expect([response.status, await response.json()]).toEqual([200, { copies: [] }]);
    const readyFile = join(dataDir, 'ready', 'ready.json');
    writeReadyFile(readyFile, current.ready);
    expect(JSON.parse(readFileSync(readyFile, 'utf8'))).toEqual(current.ready);
  });

  it('resumes on the same data directory: same URL and key, no second seed or subscription, history kept', async () => {
    // Prepare
    const dataDir = tempDir();
    const firstClock = new VirtualClock(T0);
    const first = await start(dataDir, firstClock);
    await first.createSourceRestorePoint('rp-1');
    await firstClock.advanceBy(HOUR);
    const { ready } = first;
    await first.close();
    const resumeAt = savedClockTime(dataDir);

    // Act
    const clock = new VirtualClock(resumeAt ?? 0);
    const second = await start(dataDir, clock);
    await second.createSourceRestorePoint('rp-2');
    await clock.settle();

    // Assess
    expect(resumeAt).toBe(T0 + HOUR);
    expect({ resumed: second.resumed, ready: second.ready }).toEqual({ resumed: true, ready });
    expect(seen(second).map((event) => String(event.subject).split('/').at(-1))).toEqual(['rp-1', 'rp-2']);
    const deliveries = second.simulator.deliveryLog.map((entry) => [
      entry.subject.split('/').at(-1),
      entry.outcome,
    ]);
    expect(deliveries).toEqual([['rp-2', 'delivered']]);
  });

  it('creates a source restore point at once and then on schedule', async () => {
    const clock = new VirtualClock(T0);
    const current = await start(tempDir(), clock, { restorePointIntervalMs: 4 * HOUR });
    expect(current.nextRestorePointAt()).toBe(T0);

    await clock.advanceBy(0);
    await eventually(() => seen(current).length === 1, 'the first restore point');
    await eventually(() => current.nextRestorePointAt() === T0 + 4 * HOUR, 'the schedule to move on');
    await clock.advanceTo(T0 + 4 * HOUR);
    await eventually(() => seen(current).length === 2, 'the second restore point');

    expect(seen(current).map((event) => String(event.subject).split('/').at(-1))).toEqual([
      'rp-20260101-0000',
      'rp-20260101-0400',
    ]);
  });

  it('keeps every file that holds a key owner-only, including files an older version left readable', async () => {
    // Prepare: a data directory holding world-readable host keys and a world-readable ready file.
    const dataDir = tempDir();
    const oldKeys = {
      master: 'm'.repeat(40),
      function: 'f'.repeat(40),
      eventGrid: 'e'.repeat(40),
      durableTask: 'd'.repeat(40),
    };
    mkdirSync(join(dataDir, 'host'));
    writeFileSync(join(dataDir, 'host', 'host-keys.json'), JSON.stringify(oldKeys), { mode: 0o644 });
    const readyFile = join(dataDir, 'ready.json');
    writeFileSync(readyFile, '{}', { mode: 0o644 });

    // Act
    const current = await start(dataDir, new VirtualClock(T0));
    await current.createSourceRestorePoint('rp-1');
    writeReadyFile(readyFile, current.ready);
    const keys = [...Object.values(oldKeys), current.sink.key];
    await current.close();

    // Assess: every file whose bytes contain a key, with its permission bits.
    const holdingKeys = Object.fromEntries(
      readdirSync(dataDir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
        .filter((file) => keys.some((key) => readFileSync(file, 'latin1').includes(key)))
        .map((file) => [relative(dataDir, file), (statSync(file).mode & 0o777).toString(8)]),
    );
    expect(holdingKeys).toEqual({
      'event-sink-key': '600',
      'function-key': '600',
      [join('host', 'host-keys.json')]: '600',
      'ready.json': '600',
      'simulator.json': '600',
      'stack.json': '600',
    });
  });

  it('refuses to start on a data directory of something else', async () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, 'stack.json'), '{"version":7}');
    await expect(start(dataDir, new VirtualClock(T0))).rejects.toThrow(
      `${join(dataDir, 'stack.json')} is not a state file of this stack; remove ${dataDir} to start afresh`,
    );
    expect(existsSync(join(dataDir, 'simulator.json'))).toBe(false);
  });
});

describe('local stack data directory lock', () => {
  it('refuses a second stack on a data directory in use, and takes over a lock its dead owner left', async () => {
    // Prepare: a lock file left by a process that has exited.
    const dataDir = tempDir();
    const dead = spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid;
    writeFileSync(join(dataDir, 'stack.pid'), `${dead}\n`);

    // Act
    const first = await start(dataDir, new VirtualClock(T0));
    const second = startStack({ clock: new VirtualClock(T0), dataDir, appDir: APP_DIR, port: 0 });

    // Assess
    await expect(second).rejects.toThrow(
      `this process already runs a local stack on ${dataDir}; close it first`,
    );
    expect(readFileSync(join(dataDir, 'stack.pid'), 'utf8')).toBe(`${process.pid}\n`);
    await first.close();
    expect(existsSync(join(dataDir, 'stack.pid'))).toBe(false);
  });
});

describe('local stack restart on another port', () => {
  it('is refused with the port the simulator delivers to', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir, new VirtualClock(T0));
    const port = new URL(first.ready.appUrl).port;
    await first.close();
    const other = Number(port) === 65_000 ? 65_001 : 65_000;
    await expect(start(dataDir, new VirtualClock(T0), { port: other })).rejects.toThrow(
      `the local stack in ${dataDir} serves the app on port ${port}, where the simulator delivers its events; start it with that port (or none), or use a new data directory for port ${other}`,
    );
  });
});
