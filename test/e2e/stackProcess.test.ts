import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ReadyDocument } from '../../dev/stack/stack';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';
import { ensureBuilt, holdBuildLock, REPO_ROOT } from './helpers/ensureBuilt';
import type { Copy } from './helpers/appStack';

/**
 * The stack as a user runs it: a separate process on an accelerated real clock. These tests wait in real
 * time (bounded) because that is what they test; they assert outcomes, never durations.
 */

const NODE = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const MAIN = join(REPO_ROOT, 'dist', 'dev', 'stack', 'main.js');
const dirs: string[] = [];
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterEach(() => {
  // A failed test must not leave a stack running; each child leads its own process group.
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
});

afterAll(() => {
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpcopy-process-'));
  dirs.push(dir);
  return dir;
}

function run(command: string, args: string[]): Run {
  const child = spawn(command, args, { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Bounded real-time polling: the stack runs on its own clock in another process. */
async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  current: Run,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (current.child.exitCode !== null || current.child.signalCode !== null) {
      throw new Error(
        `the stack exited while waiting for ${what}:\n${current.stdout()}\n${current.stderr()}`,
      );
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}:\n${current.stdout()}\n${current.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function readReady(file: string): ReadyDocument | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ReadyDocument) : undefined;
}

async function listCopies(ready: ReadyDocument): Promise<Copy[]> {
  const response = await fetch(`${ready.appUrl}/api/copies`, {
    headers: { 'x-functions-key': ready.functionKey },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { copies: Copy[] }).copies;
}

describe('the local stack as a process', () => {
  it('killed mid-copy and restarted on the same data directory, finishes the copy without a second target', async () => {
    // Prepare
    const dataDir = tempDir();
    const readyFile = join(dataDir, 'ready.json');
    const args = [
      MAIN,
      ...['--data', dataDir, '--ready-file', readyFile, '--port', '0', '--speed', '300', '--quiet'],
      ...['--restore-point-hours', '1000'],
    ];
    const first = run(NODE, args);
    const ready = await waitFor('the ready file', () => readReady(readyFile), first);
    // Mid-copy: both copies exist and replication has visibly begun but not ended.
    const midCopy = await waitFor(
      'the copies to be replicating',
      async () => {
        const copies = await listCopies(ready);
        const replicating =
          copies.length === 2 &&
          copies.some((copy) => copy.status === 'Replicating' && (copy.progress?.percent ?? 0) > 0) &&
          copies.every((copy) => ['Starting', 'Replicating'].includes(copy.status));
        return replicating ? copies : undefined;
      },
      first,
    );

    // Act: kill it without warning, then start it again on the same data directory.
    first.child.kill('SIGKILL');
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    rmSync(readyFile, { force: true });
    const second = run(NODE, args);
    const resumed = await waitFor('the ready file again', () => readReady(readyFile), second);
    const done = await waitFor(
      'both copies to end',
      async () => {
        const copies = await listCopies(resumed);
        return copies.length >= 2 &&
          copies.every((copy) => !['Queued', 'Starting', 'Replicating'].includes(copy.status))
          ? copies
          : undefined;
      },
      second,
    );
    const targets = await Promise.all(
      ['westus2', 'centralus'].map(async (region) => {
        const connection = {
          endpoint: resumed.armEndpoint,
          credential: 'static' as const,
          caCertificatePem: readFileSync(resumed.caCertificatePath ?? '', 'utf8'),
        };
        const compute = createComputeClient(connection, createCredential(connection), resumed.subscriptionId);
        const collection = await compute.restorePointCollections.get('rpcopy-demo', `demo-vm-rpc-${region}`, {
          expand: 'restorePoints',
        });
        return [region, collection.restorePoints?.map((rp) => rp.name)];
      }),
    );
    const sinkEvents = (await (
      await fetch(`${resumed.eventSinkUrl}/events`, { headers: { 'aeg-sas-key': resumed.eventSinkKey } })
    ).json()) as {
      type: string;
      id: string;
    }[];
    second.child.kill('SIGTERM');
    const stopped = await second.exited;

    // Assess
    // Same app URL and key (the simulator delivers to that webhook); the other ports are reused when free.
    const stable = (document: ReadyDocument): Partial<ReadyDocument> => ({
      appUrl: document.appUrl,
      functionKey: document.functionKey,
      subscriptionId: document.subscriptionId,
      sourceCollectionId: document.sourceCollectionId,
      caCertificatePath: document.caCertificatePath,
      eventSinkKey: document.eventSinkKey,
    });
    expect(stable(resumed)).toEqual(stable(ready));
    const sourceName = (midCopy[0]?.sourceRestorePointId ?? '').split('/').at(-1) ?? '';
    expect(done.map((copy) => [copy.id, copy.status]).sort()).toEqual(
      midCopy.map((copy) => [copy.id, 'Succeeded']).sort(),
    );
    expect(targets).toEqual([
      ['westus2', [sourceName]],
      ['centralus', [sourceName]],
    ]);
    expect(
      sinkEvents
        .filter((event) => event.type === 'RestorePointCopy.Succeeded')
        .map((event) => event.id)
        .sort(),
    ).toEqual(midCopy.map((copy) => `${copy.id}:RestorePointCopy.Succeeded`).sort());
    expect(stopped).toEqual({ code: 0, signal: null });
    expect(second.stdout()).toContain('resumed from its saved state');
    expect(second.stdout()).toMatch(/Stopped\. State saved in .+; npm start resumes every copy\.\n$/);
    expect(existsSync(readyFile)).toBe(false);
  }, 180_000);

  it('refuses bad flags with a usage message and exit code 2, and explains itself on --help', async () => {
    const bad = run(NODE, [MAIN, '--speed', 'fast']);
    const help = run(NODE, [MAIN, '--help']);
    expect(await bad.exited).toEqual({ code: 2, signal: null });
    expect(bad.stderr()).toMatch(
      /^npm start: --speed must be a positive number, got 'fast'\n\nUsage: npm start -- \[options\]/,
    );
    expect(bad.stdout()).toBe('');
    expect(await help.exited).toEqual({ code: 0, signal: null });
    expect(help.stdout()).toMatch(/^Usage: npm start -- \[options\]\n/);
    expect(help.stdout()).toContain('--ready-file <path>');
  });

  it('runs with `npm start -- --ready-file <file> --data <dir>` and stops cleanly on Ctrl-C', async () => {
    // Prepare: npm start builds first; hold the build lock meanwhile so no other e2e file loads a half-written app.
    const dataDir = tempDir();
    const readyFile = join(tmpdir(), `rpcopy-ready-${process.pid}.json`);
    rmSync(readyFile, { force: true });
    const lock = await holdBuildLock();
    let ready: ReadyDocument;
    const stack = run('npm', ['start', '--', '--ready-file', readyFile, '--data', dataDir]);
    try {
      ready = await waitFor('the ready file', () => readReady(readyFile), stack, 150_000);
    } finally {
      lock.release();
    }

    // Act
    const copies = await fetch(`${ready.appUrl}/api/copies`, {
      headers: { 'x-functions-key': ready.functionKey },
    });
    const unauthorized = await fetch(`${ready.appUrl}/api/copies`);
    const events = await fetch(`${ready.eventSinkUrl}/events`, {
      headers: { 'aeg-sas-key': ready.eventSinkKey },
    });
    const eventsWithoutKey = await fetch(`${ready.eventSinkUrl}/events`);
    // Ctrl-C in a terminal signals the whole foreground process group: npm, its shell and the stack.
    process.kill(-(stack.child.pid ?? 0), 'SIGINT');
    const exit = await stack.exited;

    // Assess
    expect(Object.keys(ready).sort()).toEqual([
      'appUrl',
      'armEndpoint',
      'caCertificatePath',
      'eventSinkKey',
      'eventSinkUrl',
      'functionKey',
      'sourceCollectionId',
      'subscriptionId',
    ]);
    expect(copies.status).toBe(200);
    expect(await copies.json()).toEqual(expect.objectContaining({ copies: expect.any(Array) }));
    expect(unauthorized.status).toBe(401);
    expect(events.status).toBe(200);
    expect(eventsWithoutKey.status).toBe(401);
    expect(Array.isArray(await events.json())).toBe(true);
    // npm re-raises the SIGINT it received once its script has exited; the stack itself ended normally.
    expect([exit.code, exit.signal]).toEqual([null, 'SIGINT']);
    expect(stack.stdout()).toContain('rpcopy is running offline.');
    // The banner's command makes the CLI label its ETAs and times as simulated, as the stack's own are.
    expect(stack.stdout()).toMatch(
      /Watch copies {2}RPCOPY_SIMULATED_SPEED=60 RPCOPY_KEY="\$\(cat .+function-key\)" npx rpcopy watch\n/,
    );
    expect(stack.stdout()).toMatch(
      /Dashboard {5}http:\/\/\S+\/api\/dashboard\?code=<key in .+function-key>\n/,
    );
    // Without a terminal the live summary stays off: a script's output is never drawn over.
    expect(stack.stdout()).not.toContain('[simulated ');
    expect(stack.stdout()).not.toContain('\u001b[');
    expect(stack.stdout()).toMatch(/Stopped\. State saved in .+; npm start resumes every copy\.\n$/);
    expect(stack.stderr()).not.toMatch(/error/i);
    expect(existsSync(readyFile)).toBe(false);
    expect(JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8'))).toMatchObject({
      seeded: true,
      sourceCollectionId: ready.sourceCollectionId,
    });
  }, 240_000);
});
