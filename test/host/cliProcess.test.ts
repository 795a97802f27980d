// The compiled CLI as `npm run host` runs it (node dist/dev/host/cli.js, after the prehost build): exit
// codes, what reaches stdout and stderr, and a clean stop on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { USAGE } from '../../dev/host/cliArgs';
import { ensureBuilt, REPO_ROOT } from '../e2e/helpers/ensureBuilt';

const node = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');
const cli = path.join(REPO_ROOT, 'dist', 'dev', 'host', 'cli.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'host-cli-process-'));
const children: ChildProcess[] = [];

interface CliProcess {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function startCli(argv: string[]): CliProcess {
  const child = spawn(node, [cli, ...argv], { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function waitForOutput(run: CliProcess, text: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!run.stdout().includes(text)) {
    if (Date.now() > deadline || run.child.exitCode !== null) {
      throw new Error(`the CLI never printed ${JSON.stringify(text)}; stderr: ${run.stderr()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
    }
  }
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('dev host CLI process', () => {
  it('exits 2 on a bad flag, with the error and then the usage on stderr', async () => {
    const run = startCli(['--app-dir', '.', '--prot', '7071']);
    expect(await run.exited).toBe(2);
    expect({ stdout: run.stdout(), stderr: run.stderr() }).toEqual({
      stdout: '',
      stderr: `error: Unknown option '--prot'\n\n${USAGE}`,
    });
  });

  it('exits 1 with one clear line when the app fails to load', async () => {
    const appDir = path.join(tmp, 'broken');
    fs.mkdirSync(appDir);
    fs.writeFileSync(path.join(appDir, 'package.json'), JSON.stringify({ main: 'index.js' }));
    fs.writeFileSync(path.join(appDir, 'index.js'), "throw new Error('module exploded');\n");
    const run = startCli(['--app-dir', appDir, '--port', '0', '--data', path.join(tmp, 'broken-data')]);
    expect(await run.exited).toBe(1);
    expect({ stdout: run.stdout(), stderr: run.stderr() }).toEqual({
      stdout: '',
      stderr: `error: could not start the app in ${appDir}: Worker was unable to load entry point "index.js": module exploded\n`,
    });
  });

  it('prints the base URL and the four keys, serves with them, and stops cleanly on SIGTERM', async () => {
    const appDir = path.join(__dirname, 'apps', 'http');
    const dataDir = path.join(tmp, 'data');
    const run = startCli(['--app-dir', appDir, '--port', '0', '--data', dataDir, '--virtual']);
    await waitForOutput(run, 'Press Ctrl-C to stop.\n');
    const banner = run.stdout();
    const baseUrl = /^Dev host listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(banner)?.[1];
    const key = (label: string): string | undefined =>
      new RegExp(`^ {2}${label}: +(\\S+)$`, 'm').exec(banner)?.[1];
    const keys = {
      master: key('master key'),
      function: key('function key \\(default\\)'),
      eventGrid: key('eventgrid_extension'),
      durableTask: key('durabletask_extension'),
    };
    expect({ baseUrl, keys }).toEqual({
      baseUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      keys: {
        master: expect.stringMatching(/^\S{16,}$/),
        function: expect.stringMatching(/^\S{16,}$/),
        eventGrid: expect.stringMatching(/^\S{16,}$/),
        durableTask: expect.stringMatching(/^\S{16,}$/),
      },
    });
    expect(new Set(Object.values(keys)).size).toBe(4);
    expect(banner).toContain(`  getItem: [GET,DELETE] ${baseUrl}/v1/items/{id:int} (function)\n`);

    const withKey = await fetch(`${baseUrl}/v1/items/3?code=${keys.function}`);
    const withoutKey = await fetch(`${baseUrl}/v1/items/3`);
    const status = await fetch(`${baseUrl}/admin/host/status?code=${keys.master}`);
    expect({
      withKey: withKey.status,
      withoutKey: withoutKey.status,
      status: [status.status, await status.json()],
    }).toEqual({ withKey: 200, withoutKey: 401, status: [200, { state: 'Running' }] });

    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.stdout().endsWith('\nSIGTERM: stopping the dev host…\n')).toBe(true);
    // No stack traces, and node:sqlite's experimental warning is kept quiet.
    expect(run.stderr()).toBe('');
  });
});
