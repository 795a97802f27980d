import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSimulatorArgs } from '../../dev/compute-sim/cliArgs';
import { FaultPlanFileError, parseFaultPlan, readFaultPlanFile } from '../../dev/compute-sim/faultPlan';
import type { FaultRule } from '../../dev/compute-sim';
import { parseStackArgs } from '../../dev/stack/args';

const ROOT = resolve(__dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
/** Compiled by `npm test`'s pretest build. */
const SIM_CLI = join(ROOT, 'dist/dev/compute-sim/cli.js');
const STACK_MAIN = join(ROOT, 'dist/dev/stack/main.js');

/** Every rule shape the simulator knows, as a person would write it in a file. */
const EVERY_RULE: FaultRule[] = [
  {
    kind: 'http',
    method: 'GET',
    path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/**',
    afterNth: 2,
    times: 5,
    probability: 0.1,
    effect: { type: 'status', status: 503, code: 'ServerBusy', retryAfterSeconds: 3 },
  },
  { kind: 'http', path: '/**', effect: { type: 'throttle', retryAfterSeconds: 10 } },
  { kind: 'http', method: 'get', path: '/**/restorePoints/*', effect: { type: 'latency', ms: 250 } },
  { kind: 'http', method: 'PUT', path: '/**', probability: 0.02, effect: { type: 'drop' } },
  { kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 40 } },
  {
    kind: 'copy',
    target: { sourceRestorePointName: 'rp-1' },
    times: 2,
    effect: { type: 'stall', atPercent: 10, disk: 1 },
  },
  {
    kind: 'copy',
    target: { restorePointName: 'rp-2' },
    effect: { type: 'failDisk', atPercent: 0, disk: 'os' },
  },
];

describe('fault plan files', () => {
  it('reads every documented rule shape back unchanged', () => {
    expect(parseFaultPlan(JSON.parse(JSON.stringify(EVERY_RULE)))).toEqual(EVERY_RULE);
    expect(parseFaultPlan([])).toEqual([]);
  });

  it.each([
    [{ rules: [] }, 'the plan must be a JSON array of fault rules, got {"rules":[]}'],
    [[7], 'rule [0] must be an object, got 7'],
    [[{ kind: 'disk' }], 'rule [0].kind must be one of "http", "copy", got "disk"'],
    [
      [{ kind: 'http', path: 'subscriptions/**', effect: { type: 'drop' } }],
      'rule [0].path must be a path glob starting with "/" (`*`: one segment, `**`: any), got "subscriptions/**"',
    ],
    [
      [{ kind: 'http', path: '/**', probabilty: 0.5, effect: { type: 'drop' } }],
      'rule [0] has an unknown field "probabilty"; allowed: kind, method, path, afterNth, times, probability, effect',
    ],
    [
      [{ kind: 'http', path: '/**', probability: 1.5, effect: { type: 'drop' } }],
      'rule [0].probability must be a number from 0 to 1, got 1.5',
    ],
    [
      [{ kind: 'http', path: '/**', times: 2.5, effect: { type: 'drop' } }],
      'rule [0].times must be an integer from 0 to 1000000000, got 2.5',
    ],
    [
      [{ kind: 'http', path: '/**', method: 'GET /x', effect: { type: 'drop' } }],
      'rule [0].method must be an HTTP method such as "GET", got "GET /x"',
    ],
    [[{ kind: 'http', path: '/**' }], 'rule [0].effect must be an object, got nothing'],
    [
      [{ kind: 'http', path: '/**', effect: { type: 'status', status: 429 } }],
      'rule [0].effect.status must be an integer from 500 to 599, got 429',
    ],
    [
      [{ kind: 'http', path: '/**', effect: { type: 'throttle' } }],
      'rule [0].effect.retryAfterSeconds must be an integer from 0 to 86400, got nothing',
    ],
    [
      [{ kind: 'http', path: '/**', effect: { type: 'latency', ms: '5s' } }],
      'rule [0].effect.ms must be a number from 0 to 3600000, got "5s"',
    ],
    [
      [{ kind: 'http', path: '/**', effect: { type: 'drop', ms: 5 } }],
      'rule [0].effect has an unknown field "ms"; allowed: type',
    ],
    [
      [{ kind: 'http', path: '/**', effect: { type: 'explode' } }],
      'rule [0].effect.type must be one of "status", "throttle", "latency", "drop", got "explode"',
    ],
    [
      [{ kind: 'copy', target: 'first', effect: { type: 'failDisk', atPercent: 1 } }],
      'rule [0].target must be "next", {"sourceRestorePointName": …} or {"restorePointName": …}, got "first"',
    ],
    [
      [{ kind: 'copy', target: { restorePointName: '' }, effect: { type: 'failDisk', atPercent: 1 } }],
      'rule [0].target.restorePointName must be a non-empty string, got ""',
    ],
    [
      [{ kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 101 } }],
      'rule [0].effect.atPercent must be a number from 0 to 100, got 101',
    ],
    [
      [{ kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: 5, disk: -1 } }],
      'rule [0].effect.disk must be an integer from 0 to 1000, got -1',
    ],
    [
      [
        { kind: 'http', path: '/**', effect: { type: 'drop' } },
        { kind: 'http', path: `/${'x'.repeat(10_000)}`, method: 7 },
      ],
      `rule [1].method must be an HTTP method such as "GET", got 7`,
    ],
    [
      [
        {
          kind: 'http',
          path: '/**',
          effect: { type: 'status', status: 500, code: 'y'.repeat(10_000) },
          x: 1,
        },
      ],
      `rule [0] has an unknown field "x"; allowed: kind, method, path, afterNth, times, probability, effect`,
    ],
  ])('refuses %j, naming the rule and field', (document, message) => {
    expect(() => parseFaultPlan(document)).toThrow(new FaultPlanFileError(message));
  });

  it('quotes at most 80 characters of a bad value', () => {
    const error = (() => {
      try {
        parseFaultPlan([{ kind: 'http', path: 'x'.repeat(10_000), effect: { type: 'drop' } }]);
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error?.message).toBe(
      `rule [0].path must be a path glob starting with "/" (\`*\`: one segment, \`**\`: any), got "${'x'.repeat(79)}…`,
    );
  });

  describe('files', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'rpcopy-faults-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('reads a file, and names the file in every problem', () => {
      const good = join(dir, 'good.json');
      writeFileSync(good, `\uFEFF${JSON.stringify(EVERY_RULE, null, 2)}`);
      const broken = join(dir, 'broken.json');
      writeFileSync(broken, '[{"kind": "http",');
      const wrong = join(dir, 'wrong.json');
      writeFileSync(wrong, '[{"kind": "copy", "target": "next"}]');

      expect(readFaultPlanFile(good)).toEqual(EVERY_RULE);
      expect(() => readFaultPlanFile(join(dir, 'missing.json'))).toThrow(
        new FaultPlanFileError(`cannot read the fault plan ${join(dir, 'missing.json')}: no such file`),
      );
      expect(() => readFaultPlanFile(broken)).toThrow(
        new RegExp(`^the fault plan ${broken} is not valid JSON: `),
      );
      expect(() => readFaultPlanFile(wrong)).toThrow(
        new FaultPlanFileError(`the fault plan ${wrong}: rule [0].effect must be an object, got nothing`),
      );
    });
  });
});

describe('--faults on the command lines', () => {
  it('is an option of npm run sim and npm start', () => {
    expect(parseSimulatorArgs(['--faults', 'plan.json'])).toMatchObject({
      kind: 'run',
      options: { faultsFile: 'plan.json' },
    });
    expect(parseStackArgs(['--faults=plan.json'])).toMatchObject({
      kind: 'run',
      args: { faultsFile: 'plan.json' },
    });
    expect(() => parseSimulatorArgs(['--faults', ''])).toThrow('--faults needs a file path');
    expect(() => parseStackArgs(['--faults='])).toThrow('--faults needs a non-empty path');
  });

  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rpcopy-faults-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function run(args: string[]) {
    for (const file of [SIM_CLI, STACK_MAIN]) {
      if (!existsSync(file)) {
        throw new Error(`${file} is missing: run npm run build (npm test does) first`);
      }
    }
    const child = spawn(NODE, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it('exits 2 with the problem on a bad plan, before starting anything', async () => {
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify([{ kind: 'http', path: '/**', effect: { type: 'status', status: 404 } }]),
    );
    const dataDir = join(dir, 'state');

    const sim = run([SIM_CLI, '--port', '0', '--faults', plan]);
    const stack = run([STACK_MAIN, '--port', '0', '--data', dataDir, '--faults', plan]);

    const problem = `the fault plan ${plan}: rule [0].effect.status must be an integer from 500 to 599, got 404\n`;
    expect([await sim.exited, sim.output()]).toEqual([
      2,
      { stdout: '', stderr: `compute simulator: ${problem}` },
    ]);
    expect([await stack.exited, stack.output()]).toEqual([
      2,
      { stdout: '', stderr: `npm start: ${problem}` },
    ]);
    expect(existsSync(dataDir)).toBe(false);
  });

  /** Every GET of one resource group answers 503; others are untouched. */
  function writeBrokenGroupPlan(): string {
    const plan = join(dir, 'plan.json');
    writeFileSync(
      plan,
      JSON.stringify([
        {
          kind: 'http',
          method: 'GET',
          path: '/subscriptions/*/resourceGroups/broken/**',
          effect: { type: 'status', status: 503, code: 'FromThePlan' },
        },
      ]),
    );
    return plan;
  }

  function getCollection(endpoint: string, ca: string, group: string): Promise<[number, unknown]> {
    return new Promise((done, fail) => {
      const req = request(
        `${endpoint}/subscriptions/s/resourceGroups/${group}/providers/Microsoft.Compute/restorePointCollections/c?api-version=2026-04-01`,
        { ca, headers: { authorization: 'Bearer t' } },
        (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () =>
            done([res.statusCode ?? 0, (JSON.parse(body) as { error: { code: string } }).error.code]),
          );
        },
      );
      req.on('error', fail);
      req.end();
    });
  }

  it("npm start -- --faults injects the plan into the stack's simulator", async () => {
    // Prepare
    const plan = writeBrokenGroupPlan();
    const readyFile = join(dir, 'ready.json');
    const stack = run([
      STACK_MAIN,
      ...['--port', '0', '--quiet', '--restore-point-hours', '0'],
      ...['--data', join(dir, 'state'), '--ready-file', readyFile, '--faults', plan],
    ]);
    const deadline = Date.now() + 60_000;
    while (!existsSync(readyFile)) {
      if (stack.child.exitCode !== null || Date.now() > deadline) {
        stack.child.kill('SIGKILL');
        throw new Error(`the stack did not get ready: ${JSON.stringify(stack.output())}`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
    const ready = JSON.parse(readFileSync(readyFile, 'utf8')) as {
      armEndpoint: string;
      caCertificatePath: string;
    };
    const ca = readFileSync(ready.caCertificatePath, 'utf8');

    // Act
    const results = [
      await getCollection(ready.armEndpoint, ca, 'broken'),
      await getCollection(ready.armEndpoint, ca, 'fine'),
    ];
    stack.child.kill('SIGTERM');

    // Assess
    expect(results).toEqual([
      [503, 'FromThePlan'],
      [404, 'ResourceNotFound'],
    ]);
    expect(await stack.exited).toBe(0);
  }, 90_000);

  it('npm run sim -- --faults injects the plan', async () => {
    // Prepare
    const plan = writeBrokenGroupPlan();
    const state = join(dir, 'sim.json');
    const sim = run([SIM_CLI, '--port', '0', '--state', state, '--faults', plan]);
    const banner = await new Promise<string>((done, fail) => {
      const timer = setInterval(() => {
        if (sim.output().stdout.includes('Press Ctrl-C')) {
          clearInterval(timer);
          done(sim.output().stdout);
        }
      }, 20);
      void sim.exited.then((code) => {
        clearInterval(timer);
        fail(new Error(`CLI exited ${code}: ${sim.output().stderr}`));
      });
    });
    const endpoint = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
    const ca = readFileSync(`${state}.ca.pem`, 'utf8');

    // Act
    const results = [await getCollection(endpoint, ca, 'broken'), await getCollection(endpoint, ca, 'fine')];
    sim.child.kill('SIGTERM');

    // Assess
    expect(results).toEqual([
      [503, 'FromThePlan'],
      [404, 'ResourceNotFound'],
    ]);
    expect(banner).toContain(`  faults: 1 rule from ${plan}\n`);
    expect(await sim.exited).toBe(0);
  });
});
