import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, readFileSync, rmSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { ReadyDocument } from '../stack/stack';

/**
 * The local stack as `npm start` runs it (dist/dev/stack/main.js), in a child process the soak can kill
 * with SIGKILL and start again on the same data directory.
 */

export interface StackProcessOptions {
  /** The compiled stack entry point. */
  main: string;
  /** Node to run it with (the project's pinned one). */
  node: string;
  dataDir: string;
  /** Arguments after `--data` and `--ready-file`. */
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Real milliseconds to wait for the ready file. @default 120 s */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  readonly ready: ReadyDocument;
  readonly pid: number;
  /** The stack's peak resident memory so far, in bytes (Linux; 0 elsewhere). */
  peakMemoryBytes(): number;
  /** SIGKILL: no chance to save anything. */
  kill(): Promise<void>;
  /** SIGTERM: the clean stop; rejects when the stack does not exit 0. */
  stop(): Promise<void>;
}

function peakResidentBytes(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Starts the stack and resolves once it has written its ready file. `run` numbers the log file. */
export async function startStackProcess(options: StackProcessOptions, run: number): Promise<RunningStack> {
  const readyFile = join(options.dataDir, 'ready.json');
  rmSync(readyFile, { force: true });
  const logFile = join(options.dataDir, `stack-run-${run}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(
    options.node,
    [options.main, '--data', options.dataDir, '--ready-file', readyFile, ...options.args],
    { stdio: ['ignore', log, log], env: { ...process.env, ...options.env } },
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${options.main}`);
  }

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  while (!existsSync(readyFile)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      const tail = readFileSync(logFile, 'utf8').slice(-2000);
      throw new Error(`the stack (run ${run}) did not get ready; the end of ${logFile}:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const ready = JSON.parse(readFileSync(readyFile, 'utf8')) as ReadyDocument;
  let peak = 0;
  const peakMemoryBytes = (): number => (peak = Math.max(peak, peakResidentBytes(pid)));

  return {
    ready,
    pid,
    peakMemoryBytes,
    kill: async () => {
      peakMemoryBytes();
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      peakMemoryBytes();
      child.kill('SIGTERM');
      const { code, signal } = await exited(child);
      if (code !== 0) {
        throw new Error(`the stack stopped with ${signal ?? `exit code ${String(code)}`}; see ${logFile}`);
      }
    },
  };
}
