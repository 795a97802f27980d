import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSavedClockTime } from '../../dev/compute-sim';
import { UsageError, parseSimulatorArgs } from '../../dev/compute-sim/cliArgs';

const ROOT = resolve(__dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
/** Compiled by `npm run build` (npm test's pretest). */
const CLI = join(ROOT, 'dist/dev/compute-sim/cli.js');
const SUB = '00000000-0000-0000-0000-0000000000aa';
const BASE = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute`;

interface RunningCli {
  banner: string;
  endpoint: string;
  stop(): Promise<{ code: number | null; stdout: string }>;
  /** SIGKILL: no handler runs, nothing is saved at exit. */
  kill(): Promise<void>;
}

async function startCli(args: string[]): Promise<RunningCli> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run npm run build first`);
  }
  const child = spawn(NODE, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const banner = await new Promise<string>((done, fail) => {
    const timer = setInterval(() => {
      if (stdout.includes('Press Ctrl-C')) {
        clearInterval(timer);
        done(stdout);
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      fail(new Error(`CLI exited ${code}: ${stderr}`));
    });
  });
  return {
    banner,
    endpoint: /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '',
    stop: async () => {
      child.kill('SIGTERM');
      return { code: await exited, stdout };
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function arm(endpoint: string, method: string, path: string, body?: unknown): Promise<number> {
  const response = await fetch(`${endpoint}${path}?api-version=2026-04-01`, {
    method,
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('standalone simulator restarted on its state file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compute-sim-cli-restart-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('resumes its resources and its clock; without --state it starts empty', async () => {
    const state = join(dir, 'sim.json');
    const first = await startCli(['--port', '0', '--no-tls', '--speed', '60', '--state', state]);
    expect(first.banner).toContain('at 60x real time\n');
    expect(first.banner).not.toContain('(resumed)');
    expect(
      await arm(first.endpoint, 'PUT', `${BASE}/virtualMachines/vm1`, {
        location: 'eastus',
        properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } },
      }),
    ).toBe(201);
    expect(
      await arm(first.endpoint, 'PUT', `${BASE}/restorePointCollections/src`, {
        location: 'eastus',
        properties: { source: { id: `${BASE}/virtualMachines/vm1` } },
      }),
    ).toBe(201);
    expect(await first.stop()).toEqual({
      code: 0,
      stdout: `${first.banner}Stopped on SIGTERM; state saved to ${state}.\n`,
    });
    const savedClock = readSavedClockTime(state) ?? 0;

    const second = await startCli(['--port', '0', '--no-tls', '--speed', '60', '--state', state]);
    const resumedAt = Date.parse(
      /clock: (\S+) at 60x real time \(resumed\)\n/.exec(second.banner)?.[1] ?? '',
    );
    expect(resumedAt).toBeGreaterThanOrEqual(savedClock);
    expect(await arm(second.endpoint, 'GET', `${BASE}/restorePointCollections/src`)).toBe(200);
    expect((await second.stop()).code).toBe(0);

    const empty = await startCli(['--port', '0', '--no-tls']);
    expect(empty.banner).toContain('state: in memory only (use --state <file> to keep it)\n');
    expect(await arm(empty.endpoint, 'GET', `${BASE}/restorePointCollections/src`)).toBe(404);
    expect((await empty.stop()).code).toBe(0);
  });

  it('keeps every answered change when killed, with no chance to save at exit', async () => {
    // Prepare: a simulator on a state file with a VM and a collection, then a deletion it answered.
    const state = join(dir, 'sim.json');
    const first = await startCli(['--port', '0', '--no-tls', '--state', state]);
    const vm = { location: 'eastus', properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } } };
    expect(await arm(first.endpoint, 'PUT', `${BASE}/virtualMachines/vm1`, vm)).toBe(201);
    expect(await arm(first.endpoint, 'PUT', `${BASE}/virtualMachines/vm2`, vm)).toBe(201);
    expect(await arm(first.endpoint, 'DELETE', `${BASE}/restorePointCollections/none`)).toBe(204);
    expect(
      await arm(first.endpoint, 'PUT', `${BASE}/restorePointCollections/src`, {
        location: 'eastus',
        properties: { source: { id: `${BASE}/virtualMachines/vm1` } },
      }),
    ).toBe(201);

    // Act: kill it and start another on the same file.
    await first.kill();
    const second = await startCli(['--port', '0', '--no-tls', '--state', state]);

    // Assess: everything it answered is there.
    expect([
      await arm(second.endpoint, 'GET', `${BASE}/virtualMachines/vm1`),
      await arm(second.endpoint, 'GET', `${BASE}/virtualMachines/vm2`),
      await arm(second.endpoint, 'GET', `${BASE}/restorePointCollections/src`),
      await arm(second.endpoint, 'GET', `${BASE}/restorePointCollections/none`),
    ]).toEqual([200, 200, 200, 404]);
    expect((await second.stop()).code).toBe(0);
  });
});

describe('--page-size', () => {
  it('is parsed as a whole number from 1 to 1000', () => {
    expect(parseSimulatorArgs(['--page-size', '2'])).toEqual({
      kind: 'run',
      options: {
        port: 8443,
        speed: 1,
        tls: true,
        seed: 1,
        listPageSize: 2,
        eventWebhooks: [],
        eventSchema: 'EventGrid',
      },
    });
    for (const bad of ['0', '1.5', 'many', '1001']) {
      expect(() => parseSimulatorArgs(['--page-size', bad])).toThrow(
        new UsageError(`--page-size must be an integer from 1 to 1000, got '${bad}'`),
      );
    }
  });

  it("pages the standalone simulator's lists", async () => {
    const cli = await startCli(['--port', '0', '--no-tls', '--page-size', '1']);
    expect(
      await arm(cli.endpoint, 'PUT', `${BASE}/virtualMachines/vm1`, {
        location: 'eastus',
        properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } },
      }),
    ).toBe(201);
    for (const name of ['a', 'b']) {
      expect(
        await arm(cli.endpoint, 'PUT', `${BASE}/restorePointCollections/${name}`, {
          location: 'eastus',
          properties: { source: { id: `${BASE}/virtualMachines/vm1` } },
        }),
      ).toBe(201);
    }
    const response = await fetch(`${cli.endpoint}${BASE}/restorePointCollections?api-version=2026-04-01`, {
      headers: { authorization: 'Bearer t' },
    });
    const page = (await response.json()) as { value: { name: string }[]; nextLink?: string };
    expect({
      names: page.value.map((c) => c.name),
      hasNext: page.nextLink?.startsWith(cli.endpoint),
    }).toEqual({
      names: ['a'],
      hasNext: true,
    });
    expect((await cli.stop()).code).toBe(0);
  });
});
