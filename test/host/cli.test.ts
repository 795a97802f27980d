import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { runHostCli, type CliOutcome } from '../../dev/host/cliRunner';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'host-cli-test-'));

function makeApp(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

async function run(argv: string[]): Promise<{ outcome: CliOutcome; out: string; err: string }> {
  let out = '';
  let err = '';
  const outcome = await runHostCli(argv, { out: (t) => (out += t), err: (t) => (err += t) }, tmp);
  return { outcome, out, err };
}

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('dev host CLI', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', '7071'], /--app-dir is required/],
    [['--app-dir', '.', '--port', 'abc'], /--port must be an integer 0-65535, got "abc"/],
    [['--app-dir', '.', '--port', '70000'], /--port must be an integer 0-65535/],
    [['--app-dir', '.', '--speed', '0'], /--speed must be a positive number, got "0"/],
    [['--app-dir', '.', '--speed', 'fast'], /--speed must be a positive number/],
    [['--app-dir', '.', '--virtual', '--speed', '10'], /cannot be combined/],
    [['--app-dir', '.', '--master-key', 'short'], /--master-key must be at least 16 characters/],
    [['--app-dir', 'does-not-exist'], /is not a directory/],
  ])('exits 2 with a clear message for %j', async (argv, message) => {
    const { outcome, out, err } = await run(argv);
    expect(outcome).toEqual({ kind: 'exit', code: 2 });
    expect(err).toMatch(message);
    expect(err.startsWith('error: ')).toBe(true);
    expect(out).toBe('');
  });

  it('prints usage for --help and exits 0', async () => {
    const { outcome, out } = await run(['--help']);
    expect(outcome).toEqual({ kind: 'exit', code: 0 });
    expect(out).toContain('Usage: npm run host -- --app-dir <dir>');
  });

  it('exits 1 when package.json main matches no files', async () => {
    const dir = makeApp('unbuilt', { 'package.json': JSON.stringify({ main: 'dist/src/functions/*.js' }) });
    const { outcome, err } = await run(['--app-dir', dir, '--port', '0', '--data', path.join(tmp, 'd1')]);
    expect(outcome).toEqual({ kind: 'exit', code: 1 });
    expect(err).toBe(
      `error: could not start the app in ${dir}: package.json "main" is "dist/src/functions/*.js", which matches no files under ${dir} (has the app been built?)\n`,
    );
  });

  it('exits 1 when an entry module throws', async () => {
    const dir = makeApp('throws', {
      'package.json': JSON.stringify({ main: 'index.js' }),
      'index.js': "throw new Error('module exploded');\n",
    });
    const { outcome, err } = await run(['--app-dir', dir, '--port', '0', '--data', path.join(tmp, 'd2')]);
    expect(outcome).toEqual({ kind: 'exit', code: 1 });
    expect(err).toBe(
      `error: could not start the app in ${dir}: Worker was unable to load entry point "index.js": module exploded\n`,
    );
  });

  it('exits 1 with a clear message when the port is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const appDir = path.join(__dirname, 'apps', 'http');
      const { outcome, err } = await run([
        '--app-dir',
        appDir,
        '--port',
        String(port),
        '--data',
        path.join(tmp, 'd3'),
      ]);
      expect(outcome).toEqual({ kind: 'exit', code: 1 });
      expect(err).toBe(`error: port ${port} on 127.0.0.1 is already in use; pick another with --port\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('starts, prints the base URL and keys, serves requests, keeps keys across restarts, and stops', async () => {
    const appDir = path.join(__dirname, 'apps', 'http');
    const dataDir = path.join(tmp, 'data');
    const first = await run(['--app-dir', appDir, '--port', '0', '--data', dataDir, '--virtual']);
    if (first.outcome.kind !== 'running') {
      throw new Error(`did not start: ${first.err}`);
    }
    const { host } = first.outcome;
    expect(first.out).toContain(`Dev host listening on ${host.baseUrl}\n`);
    expect(first.out).toContain(`  master key:             ${host.masterKey}\n`);
    expect(first.out).toContain(`  function key (default): ${host.functionKey}\n`);
    expect(first.out).toContain(`  getItem: [GET,DELETE] ${host.baseUrl}/v1/items/{id:int} (function)\n`);
    const response = await fetch(`${host.baseUrl}/v1/items/3?code=${host.functionKey}`);
    expect(response.status).toBe(200);
    await first.outcome.stop();
    await expect(fetch(`${host.baseUrl}/v1/hello`)).rejects.toThrow();

    const second = await run(['--app-dir', appDir, '--port', '0', '--data', dataDir]);
    if (second.outcome.kind !== 'running') {
      throw new Error(`did not restart: ${second.err}`);
    }
    expect({ master: second.outcome.host.masterKey, fn: second.outcome.host.functionKey }).toEqual({
      master: host.masterKey,
      fn: host.functionKey,
    });
    await second.outcome.stop();
  });
});
