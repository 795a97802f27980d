import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');

/** Every tracked text file that code or tooling reads: a clone must need nothing beside it. */
function trackedSourceFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' });
  return listed
    .split('\0')
    .filter((file) => /\.(ts|mts|cts|js|mjs|cjs|json|sh)$/.test(file) || file.startsWith('.ci/'))
    .filter((file) => !file.startsWith('test/fixtures/') && file !== 'package-lock.json');
}

test('no tracked file reads the reference folder that sits beside the repository', () => {
  const reachingOut = trackedSourceFiles().filter((file) => {
    if (file === 'test/repo/selfContained.test.ts') {
      return false;
    }
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    return /\.\.\/shared\/|shared\/fixtures/.test(text);
  });
  expect(reachingOut).toEqual([]);
});
