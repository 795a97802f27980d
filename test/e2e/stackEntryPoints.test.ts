import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, REPO_ROOT } from './helpers/ensureBuilt';

/**
 * The entry points a user runs: `npm start` (dev/stack/start.js), the built stack (dist/dev/stack/main.js)
 * and the CLI (bin/rpcopy.js). On a Node.js older than package.json "engines" each exits at once with one
 * line; `npm start` refuses a bad flag before it builds.
 */

const NODE_22 = join(REPO_ROOT, 'node_modules', '.bin', 'node');
const required = (
  JSON.parse(
    execFileSync(NODE_22, ['-p', 'JSON.stringify(require("./package.json").engines)'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }),
  ) as { node: string }
).node;
const work = mkdtempSync(join(tmpdir(), 'rpcopy-entry-'));
/** Preloaded into Node.js 22, makes it report an old version, as a Node.js 20 on the PATH would. */
const pretendOld = join(work, 'pretend-node-20.js');
writeFileSync(pretendOld, "Object.defineProperty(process.versions, 'node', { value: '20.1.0' });\n");

/** A real older Node.js on the PATH (outside node_modules), when the machine has one, as this project's does. */
function olderNodeOnPath(): { path: string; version: string } | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir.includes('node_modules') || dir === '') {
      continue;
    }
    const result = spawnSync(join(dir, 'node'), ['--version'], { encoding: 'utf8' });
    if (result.status !== 0) {
      continue;
    }
    const version = result.stdout.trim();
    return Number(/^v(\d+)/.exec(version)?.[1]) < 22 ? { path: join(dir, 'node'), version } : undefined;
  }
  return undefined;
}

const entryPoints = [
  { program: 'rpcopy', script: 'bin/rpcopy.js', args: ['list'] },
  { program: 'npm start', script: 'dev/stack/start.js', args: [] },
  { program: 'npm start', script: 'dist/dev/stack/main.js', args: ['--data', join(work, 'state')] },
];
const older = olderNodeOnPath();
const runners = [
  {
    name: 'Node.js 22 pretending to be v20.1.0',
    node: NODE_22,
    preload: ['-r', pretendOld],
    version: 'v20.1.0',
  },
  ...(older
    ? [
        {
          name: `the real ${older.version} on the PATH`,
          node: older.path,
          preload: [],
          version: older.version,
        },
      ]
    : []),
];

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe('entry points on an older Node.js', () => {
  it.each(runners.flatMap((runner) => entryPoints.map((entry) => ({ ...entry, ...runner }))))(
    '$script on $name exits 3 with one line naming both versions',
    ({ program, script, args, node, preload, version }) => {
      const result = spawnSync(node, [...preload, script, ...args], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      });

      expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
        status: 3,
        stdout: '',
        stderr: `${program}: needs Node.js ${required} but this is Node.js ${version}; install Node.js 22 (or run it with npm inside the project, which uses the project's pinned Node.js 22).\n`,
      });
    },
  );
});

describe('npm start checks its flags first', () => {
  it('refuses a bad flag with exit 2 before building anything', () => {
    const result = spawnSync('npm', ['start', '--', '--sped', '2'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^npm start: unknown option '--sped'\n\nUsage: npm start -- \[options\]/m);
    expect(result.stdout).not.toContain('Building');
  });

  it('shows its help without building', () => {
    const result = spawnSync(NODE_22, ['dev/stack/start.js', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Usage: npm start -- \[options\]\n/);
  });
});
