import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

/** .funcignore's patterns, as this file uses them: `dir/` a folder, `*.ext` a suffix, else an exact path. */
function funcignore(): (path: string) => boolean {
  const patterns = readFileSync(join(ROOT, '.funcignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  return (path) =>
    patterns.some((pattern) =>
      pattern.endsWith('/')
        ? `${path}/`.startsWith(pattern)
        : pattern.startsWith('*')
          ? path.endsWith(pattern.slice(1))
          : path === pattern,
    );
}

describe('.funcignore', () => {
  it('lets through only what the deployment package holds (scripts/package.mjs)', () => {
    const ignored = funcignore();
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((path) => path !== '')
      .map((path) => path.split('/')[0] ?? path);
    // Build output and local state that git does not track but a publish from a working tree would see.
    const untracked = [
      'dist/src',
      'dist/src/cli',
      'dist/dev',
      'dist/bench',
      'dist/conformance',
      'dist/test',
      'node_modules',
      '.package',
      '.tmp',
      '.rpcopy',
      'coverage',
    ];
    const shipped = [...new Set([...tracked, ...untracked])].filter((path) => !ignored(path));
    expect(shipped.sort()).toEqual([
      'dist/src',
      'host.json',
      'node_modules',
      'package-lock.json',
      'package.json',
    ]);
  });
});
