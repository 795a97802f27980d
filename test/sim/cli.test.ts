import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { USAGE, UsageError, parseSimulatorArgs } from '../../dev/compute-sim/cliArgs';

const ROOT = resolve(__dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
/** Compiled by `npm test`'s pretest build. */
const CLI = join(ROOT, 'dist/dev/compute-sim/cli.js');

describe('simulator command line', () => {
  it('parses every option', () => {
    expect(
      parseSimulatorArgs([
        '--port',
        '0',
        '--speed',
        '60',
        '--state',
        'x.json',
        '--no-tls',
        '--seed',
        '9',
        '--throughput',
        '12.5',
        '--event-webhook',
        'http://127.0.0.1:7071/a',
        '--event-webhook',
        'http://localhost:1/b',
        '--event-schema',
        'CloudEvents',
      ]),
    ).toEqual({
      kind: 'run',
      options: {
        port: 0,
        speed: 60,
        stateFile: 'x.json',
        tls: false,
        seed: 9,
        throughputMiBps: 12.5,
        eventWebhooks: ['http://127.0.0.1:7071/a', 'http://localhost:1/b'],
        eventSchema: 'CloudEvents',
      },
    });
  });

  it('has defaults and help', () => {
    expect(parseSimulatorArgs([])).toEqual({
      kind: 'run',
      options: { port: 8443, speed: 1, tls: true, seed: 1, eventWebhooks: [], eventSchema: 'EventGrid' },
    });
    expect(parseSimulatorArgs(['-h'])).toEqual({ kind: 'help' });
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--port', '70000'], "--port must be an integer from 0 to 65535, got '70000'"],
    [['--port', 'http'], "--port must be an integer from 0 to 65535, got 'http'"],
    [['--speed', '0'], "--speed must be a positive number, got '0'"],
    [['--speed', 'fast'], "--speed must be a positive number, got 'fast'"],
    [['--seed=-1'], "--seed must be an integer from 0 to 4294967295, got '-1'"],
    [['--event-schema', 'Custom'], "--event-schema must be EventGrid or CloudEvents, got 'Custom'"],
    [['--event-webhook', 'ftp://x'], "--event-webhook must be an http(s) URL, got 'ftp://x'"],
    [['--state', ''], '--state needs a file path'],
    [['extra'], "Unexpected argument 'extra'"],
  ])('rejects %j', (argv, message) => {
    let caught: unknown;
    try {
      parseSimulatorArgs(argv);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UsageError);
    expect((caught as Error).message).toContain(message);
  });
});

describe('compiled CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compute-sim-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    if (!existsSync(CLI)) {
      throw new Error(`${CLI} is missing: run npm run build (npm test does) first`);
    }
    const child = spawn(NODE, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it('exits 2 with the usage on a bad flag', async () => {
    const cli = run(['--speed', 'fast']);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toEqual({
      stdout: '',
      stderr: `compute simulator: --speed must be a positive number, got 'fast'\n\n${USAGE}\n`,
    });
  });

  it('serves TLS, prints the endpoint and CA file, and saves state on SIGTERM', async () => {
    const state = join(dir, 'sim.json');
    const cli = run(['--port', '0', '--speed', '60', '--state', state]);
    const banner = await new Promise<string>((done, fail) => {
      const timer = setInterval(() => {
        const { stdout } = cli.output();
        if (stdout.includes('Press Ctrl-C')) {
          clearInterval(timer);
          done(stdout);
        }
      }, 20);
      void cli.exited.then((code) => {
        clearInterval(timer);
        fail(new Error(`CLI exited ${code}: ${cli.output().stderr}`));
      });
    });
    const endpoint = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
    const caPath = /CA certificate: (\S+)/.exec(banner)?.[1] ?? '';
    expect(caPath).toBe(`${state}.ca.pem`);
    expect(banner).toContain(
      `RPCOPY_ARM_ENDPOINT=${endpoint} RPCOPY_ARM_CA_CERTIFICATE=${caPath} RPCOPY_ARM_CREDENTIAL=static`,
    );
    const status = await new Promise<number>((done, fail) => {
      const req = request(
        `${endpoint}/subscriptions/s/providers/Microsoft.Compute/restorePointCollections?api-version=2026-04-01`,
        { ca: readFileSync(caPath, 'utf8'), headers: { authorization: 'Bearer t' } },
        (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        },
      );
      req.on('error', fail);
      req.end();
    });
    expect(status).toBe(200);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.output().stdout).toContain(`Stopped on SIGTERM; state saved to ${state}.`);
    const saved = JSON.parse(readFileSync(state, 'utf8')) as {
      version: number;
      clockTime: number;
      tls?: unknown;
    };
    expect(saved.version).toBe(1);
    expect(saved.tls).toBeDefined();
  });
});
