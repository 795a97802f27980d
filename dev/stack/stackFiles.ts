import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../atomicFile';
import type { Clock } from '../clock';
import { readSavedClockTime } from '../compute-sim';
import type { LogEntry, LogSink } from '../host';
import { packageName } from '../../src/cli/help';

/** The stack's data directory: what it keeps there, how it locks it, and the files it writes for others. */

/** What `--ready-file` receives: everything a script needs to drive the stack. */
export interface ReadyDocument {
  appUrl: string;
  functionKey: string;
  armEndpoint: string;
  caCertificatePath?: string;
  eventSinkUrl: string;
  /** The sink's topic key: `GET ${eventSinkUrl}/events` needs it in the `aeg-sas-key` header. */
  eventSinkKey: string;
  subscriptionId: string;
  sourceCollectionId: string;
}

/** The marker that tells a restart what the first start already did. */
export interface StackState {
  version: 1;
  subscriptionId: string;
  sourceCollectionId: string;
  /** Port the app's webhook was registered with. */
  appPort: number;
  /** Ports of the simulator and the sink, reused when free so printed URLs keep working. */
  simulatorPort?: number;
  sinkPort?: number;
  /** Sink topic key, so the app's configuration keeps working across restarts. */
  sinkKey?: string;
  /** False between registering the webhook and finishing the seed, so a crash there re-seeds only. */
  seeded: boolean;
  clockTime: number;
  nextRestorePointAt?: number;
}

export const STACK_FILES = {
  state: 'stack.json',
  simulator: 'simulator.json',
  host: 'host',
  events: 'events.jsonl',
  caCertificate: 'simulator-ca.pem',
  functionKey: 'function-key',
  eventSinkKey: 'event-sink-key',
  hostLog: 'host.log',
  lock: 'stack.pid',
} as const;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes sure no other stack runs on the data directory: two would overwrite each other's state. A lock left
 * by a killed stack (its process is gone) is taken over.
 *
 * @returns the release function.
 */
export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, STACK_FILES.lock);
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(
          `another local stack (pid ${holder}) is running on ${dataDir}; stop it first (if none is, delete ${file})`,
          { cause: error },
        );
      }
      if (holder === process.pid) {
        throw new Error(`this process already runs a local stack on ${dataDir}; close it first`, {
          cause: error,
        });
      }
      rmSync(file, { force: true });
    }
  }
  return () => rmSync(file, { force: true });
}

/** Mode of every file that holds a key: owner-only, whatever the umask. */
export const SECRET_FILE_MODE = 0o600;

export function readStackState(dataDir: string): StackState | undefined {
  const file = join(dataDir, STACK_FILES.state);
  if (!existsSync(file)) {
    return undefined;
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackState>;
  if (
    parsed.version !== 1 ||
    typeof parsed.sourceCollectionId !== 'string' ||
    typeof parsed.appPort !== 'number'
  ) {
    throw new Error(`${file} is not a state file of this stack; remove ${dataDir} to start afresh`);
  }
  return parsed as StackState;
}

/** Owner-only: it holds the sink's topic key. */
export function writeStackState(dataDir: string, state: StackState): void {
  writeFileAtomic(join(dataDir, STACK_FILES.state), `${JSON.stringify(state, null, 2)}\n`, SECRET_FILE_MODE);
}

/**
 * The simulated time a restart resumes at: where the previous run stopped (the latest of what the stack
 * and the simulator saved), so copies continue where they were instead of jumping ahead.
 */
export function savedClockTime(dataDir: string): number | undefined {
  const times = [
    readStackState(dataDir)?.clockTime,
    readSavedClockTime(join(dataDir, STACK_FILES.simulator)),
  ].filter((time): time is number => typeof time === 'number' && Number.isFinite(time));
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The directory holding this project's package.json: the app the stack runs by default. */
export function repositoryRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
      if (pkg.name === packageName) {
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`No ${packageName} package.json above ${from}`);
    }
    dir = parent;
  }
}

/**
 * The host log. The stack runs on a simulated clock, which the screen and the copies' times use, while a
 * person reads the log against the wall clock: each line carries both, labelled.
 */
export function fileLogSink(file: string, clock: Clock): LogSink {
  mkdirSync(dirname(file), { recursive: true });
  return (entry: LogEntry) => {
    if (entry.level === 'trace' || entry.level === 'none') {
      return;
    }
    const who = entry.functionName ? ` [${entry.functionName}]` : '';
    const times = `real ${new Date().toISOString()} simulated ${new Date(clock.now()).toISOString()}`;
    appendFileSync(file, `${times} ${entry.level}${who} ${entry.message}\n`);
  };
}

export function removeStackFiles(dataDir: string, wholeDirectory: boolean): void {
  if (wholeDirectory) {
    rmSync(dataDir, { recursive: true, force: true });
    return;
  }
  for (const name of Object.values(STACK_FILES)) {
    rmSync(join(dataDir, name), { recursive: true, force: true });
  }
}

export function readLocalSettings(appDir: string): Record<string, unknown> {
  const file = join(appDir, 'local.settings.json');
  if (!existsSync(file)) {
    return {};
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as { Values?: unknown };
  return typeof parsed.Values === 'object' && parsed.Values !== null
    ? (parsed.Values as Record<string, unknown>)
    : {};
}

/**
 * Writes the ready document atomically, so a script polling for the file never reads half of it, and
 * owner-only, because it holds keys.
 */
export function writeReadyFile(file: string, ready: ReadyDocument): void {
  writeFileAtomic(resolve(file), `${JSON.stringify(ready, null, 2)}\n`, SECRET_FILE_MODE);
}
