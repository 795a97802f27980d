import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { REPO_ROOT } from '../../e2e/helpers/ensureBuilt';

const node = path.join(REPO_ROOT, 'node_modules', '.bin', 'node');

export interface DriverRun {
  child: ChildProcess;
  stdout: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs a crash-test driver script in its own process, so a test can SIGKILL it mid-work. The child is added to
 * `children` for the caller's afterEach to kill; its stderr is shown only when it fails.
 */
export function spawnDriver(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
  children: ChildProcess[],
): DriverRun {
  const child = spawn(node, ['--no-warnings', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) {
        process.stderr.write(err);
      }
      resolve(code);
    }),
  );
  return { child, stdout: () => out, exited };
}

/** The lines a driver appended to its log file so far (none before it wrote one). */
export function logLines(logFile: string): string[] {
  return existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').filter(Boolean) : [];
}
