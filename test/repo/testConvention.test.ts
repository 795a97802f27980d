import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';

const repoRoot = path.resolve(__dirname, '../..');

/** Section markers of other conventions, as a comment line of their own (test/README.md picks Prepare/Act/Assess). */
const FOREIGN_MARKER = /^\s*\/\/ (Arrange|Given|When|Then|Assert)\b(:|$)/;

test('every test marks its parts Prepare, Act, Assess, never with another vocabulary', () => {
  const listed = execFileSync('git', ['ls-files', '-z', 'test', 'conformance'], {
    cwd: repoRoot,
    encoding: 'utf8',
  });
  const foreign = listed
    .split('\0')
    .filter((file) => file.endsWith('.ts'))
    .flatMap((file) =>
      readFileSync(path.join(repoRoot, file), 'utf8')
        .split('\n')
        .flatMap((line, index) =>
          FOREIGN_MARKER.test(line) ? [`${file}:${index + 1}: ${line.trim()}`] : [],
        ),
    );
  expect(foreign).toEqual([]);
});
