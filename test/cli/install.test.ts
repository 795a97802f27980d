import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The CLI as a tool outside the clone: installed from the repository as the README says, and packed under
 * a scoped name so that `npx` never fetches a stranger's `rpcopy`.
 */

const root = resolve(__dirname, '../..');
const node22 = join(root, 'node_modules', 'node', 'bin');
const prefix = mkdtempSync(join(tmpdir(), 'rpcopy-global-'));
const elsewhere = mkdtempSync(join(tmpdir(), 'rpcopy-elsewhere-'));

afterAll(() => {
  rmSync(prefix, { recursive: true, force: true });
  rmSync(elsewhere, { recursive: true, force: true });
});

describe('the CLI installed from the repository', () => {
  it('runs as `rpcopy` from any directory after `npm install -g .`, and its hints say `rpcopy`', () => {
    // The README's command, into a private prefix instead of the user's global one.
    execFileSync('npm', ['install', '-g', '.', '--prefix', prefix, '--offline', '--no-audit', '--no-fund'], {
      cwd: root,
      stdio: 'pipe',
    });
    const env = { PATH: [node22, join(prefix, 'bin'), process.env.PATH ?? ''].join(delimiter), HOME: prefix };

    const version = spawnSync('rpcopy', ['--version'], { cwd: elsewhere, env, encoding: 'utf8' });
    const usage = spawnSync('rpcopy', ['list', '--top', '0'], { cwd: elsewhere, env, encoding: 'utf8' });

    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    expect([version.status, version.stdout]).toEqual([0, `${manifest.version}\n`]);
    expect([usage.status, usage.stderr.split('\n').at(-2)]).toEqual([
      2,
      "Run 'rpcopy list --help' for details.",
    ]);
  });

  it('is packed under a scoped name with the rpcopy command, the built CLI and the version check', () => {
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--offline'], {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    ) as [{ name: string; files: { path: string }[] }];
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      private?: boolean;
    };
    const files = pack.files.map((file) => file.path);

    expect(pack.name).toMatch(/^@[a-z0-9-]+\/[a-z0-9-]+$/);
    expect(manifest.private).toBeUndefined();
    expect(manifest.bin).toEqual({ rpcopy: 'bin/rpcopy.js' });
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/rpcopy.js',
        'bin/checkNodeVersion.js',
        'dist/src/cli/main.js',
        'package.json',
      ]),
    );
    expect(
      files.filter((file) => /^(test|dev|bench|src)\//.test(file) || file.startsWith('dist/dev/')),
    ).toEqual([]);
  });
});
