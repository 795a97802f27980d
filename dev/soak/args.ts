/** Command line of `npm run soak` (dev/soak/main.ts). Pure: argv in, options or a usage error out. */
import { readFlags, UsageError } from '../stack/args';

export { UsageError };

export interface SoakOptions {
  seed: number;
  /** Source restore point collections, one VM each, each copied to three regions. */
  collections: number;
  /** Restore points created in each collection, one round at a time. */
  restorePoints: number;
  /** Simulated time per real time of the stack's clock. */
  speed: number;
  /** Share of the expected copies the soak tries to cancel. */
  cancelShare: number;
  /** Real minutes the soak may run before it gives up waiting and counts what is unfinished as lost. */
  maxMinutes: number;
  /** Where the stack keeps its state; a fresh temporary directory when undefined. */
  dataDir?: string;
  /** Keep the data directory (it is always kept when the soak fails). */
  keep: boolean;
}

export type ParsedSoakArgs = { kind: 'run'; options: SoakOptions } | { kind: 'help' };

/** A few hundred copies over tens of collections. */
export const FULL: Omit<SoakOptions, 'seed' | 'keep'> = {
  collections: 30,
  restorePoints: 4,
  speed: 300,
  cancelShare: 0.1,
  maxMinutes: 20,
};

/** The same soak, small enough for CI: a couple of minutes on two shared cores. */
export const SHORT: Omit<SoakOptions, 'seed' | 'keep'> = {
  collections: 8,
  restorePoints: 3,
  speed: 300,
  // Enough cancels that one landing in each kind of moment (queued, inside an activity, polling) is likely.
  cancelShare: 0.2,
  maxMinutes: 4,
};

export const USAGE = `Usage: npm run soak -- [options]

Runs the local stack (npm start) as a child process under faults and checks that nothing is lost: copies
over tens of collections into three regions, with 5xx, 429, dropped connections, failed disks and slow
progress reads from the Compute simulator, dropped and repeated Event Grid deliveries, cancels at random
moments and three kill -9 restarts of the stack. Prints one table; exits 1 on any loss.

Options:
  --short                 a small soak for CI (${SHORT.collections} collections × ${SHORT.restorePoints} restore points × 3 regions)
  --seed <integer>        seed of every random choice (default 1)
  --collections <n>       source collections (default ${FULL.collections})
  --restore-points <n>    restore points per collection (default ${FULL.restorePoints})
  --speed <factor>        simulated time per real time (default ${FULL.speed})
  --cancel-share <0..1>   share of the copies to cancel (default ${FULL.cancelShare})
  --max-minutes <n>       real minutes before unfinished copies count as lost (default ${FULL.maxMinutes})
  --data <dir>            state directory of the stack (default: a new temporary directory)
  --keep                  keep the state directory (always kept when the soak fails)
  -h, --help              show this help`;

function integer(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

function number(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

const VALUE_FLAGS = new Set([
  '--seed',
  '--collections',
  '--restore-points',
  '--speed',
  '--cancel-share',
  '--max-minutes',
  '--data',
]);

export function parseSoakArgs(argv: readonly string[]): ParsedSoakArgs {
  const flags = readFlags(argv, { valued: VALUE_FLAGS, switches: ['--short', '--keep'] });
  if (flags === 'help') {
    return { kind: 'help' };
  }
  const { values } = flags;
  const short = flags.switches.has('--short');
  const keep = flags.switches.has('--keep');
  const base = short ? SHORT : FULL;
  const read = <T>(flag: string, parse: (text: string) => T, fallback: T): T => {
    const text = values.get(flag);
    return text === undefined ? fallback : parse(text);
  };
  const data = values.get('--data');
  if (data !== undefined && data.trim() === '') {
    throw new UsageError('--data needs a non-empty path');
  }
  return {
    kind: 'run',
    options: {
      seed: read('--seed', (t) => integer('--seed', t, 0, 2 ** 32 - 1), 1),
      collections: read('--collections', (t) => integer('--collections', t, 1, 500), base.collections),
      restorePoints: read(
        '--restore-points',
        (t) => integer('--restore-points', t, 1, 50),
        base.restorePoints,
      ),
      speed: read('--speed', (t) => number('--speed', t, 1, 10_000), base.speed),
      cancelShare: read('--cancel-share', (t) => number('--cancel-share', t, 0, 1), base.cancelShare),
      maxMinutes: read('--max-minutes', (t) => number('--max-minutes', t, 1, 24 * 60), base.maxMinutes),
      ...(data !== undefined ? { dataDir: data } : {}),
      keep,
    },
  };
}
