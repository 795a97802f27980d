/**
 * Command line of `npm start` (dev/stack/main.ts). Pure: argv in, options or a usage error out.
 *
 * It also holds the reader every dev script uses (`readFlags`, `UsageError`; the soak and the fuzz import
 * them from here): `dev/stack/start.js` loads this file from source before any build, to refuse a bad flag
 * at once, and a file loaded that way cannot import another. So this file imports nothing.
 */

/** A command line a dev script refuses; the message says what to change, and the script exits 2 with it. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  /** Flags that take a value, as `--flag value` or `--flag=value`. */
  valued: ReadonlySet<string>;
  /** Flags that stand alone. */
  switches?: readonly string[];
  /** Appended to the refusal of a positional argument, e.g. `: this command takes options only`. */
  positionalHint?: string;
}

export interface Flags {
  switches: ReadonlySet<string>;
  values: ReadonlyMap<string, string>;
}

/**
 * The dev scripts' one reading of a command line: `-h`/`--help` wins, an unknown flag, a positional
 * argument, a missing value (a following `--flag` is no value) and a repeated flag are refused.
 */
export function readFlags(argv: readonly string[], spec: FlagSpec): Flags | 'help' {
  const switches = new Set<string>();
  const values = new Map<string, string>();
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '-h' || arg === '--help') {
      return 'help';
    }
    if (spec.switches?.includes(arg)) {
      switches.add(arg);
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = equals > 0 ? arg.slice(0, equals) : arg;
    if (!spec.valued.has(flag)) {
      throw new UsageError(
        arg.startsWith('-')
          ? `unknown option '${flag}'`
          : `unexpected argument '${arg}'${spec.positionalHint ?? ''}`,
      );
    }
    let value: string | undefined;
    if (equals > 0) {
      value = arg.slice(equals + 1);
    } else {
      value = argv[index + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`${flag} needs a value`);
      }
      index++;
    }
    if (values.has(flag)) {
      throw new UsageError(`${flag} was given more than once`);
    }
    values.set(flag, value);
  }
  return { switches, values };
}

export interface StackArgs {
  /** Simulated milliseconds per real millisecond. */
  speed: number;
  /** Where every piece keeps its state. */
  dataDir: string;
  /** Written once everything is ready. */
  readyFile?: string;
  /** Port of the app's HTTP front door; undefined means the default (7071, or any free port if taken). */
  port?: number;
  /** Simulated hours between two new source restore points; 0 turns the schedule off. */
  restorePointHours: number;
  /** No live summary: only the start banner, warnings and the stop line. */
  quiet: boolean;
  /** `--summary`: show the summary even without a terminal, as a line per change (a log). */
  summary?: true;
  /** A fault plan file for the Compute simulator (JSON), read and checked before the stack starts. */
  faultsFile?: string;
  /** Deliver the simulator's ARM events here instead of to the app (first start of a data directory). */
  armEventsTo?: string;
}

export type ParsedArgs = { kind: 'run'; args: StackArgs } | { kind: 'help' };

export const DEFAULT_SPEED = 60;
export const DEFAULT_DATA_DIR = '.rpcopy';
export const DEFAULT_RESTORE_POINT_HOURS = 4;

export const USAGE = `Usage: npm start -- [options]

Runs rpcopy offline in one process: the Compute simulator, the dev host running the app, and an Event
Grid sink. Seeds a demo VM whose restore points are copied to two regions.

Options:
  --speed <factor>              simulated time per real time (default ${DEFAULT_SPEED}: a minute per second)
  --data <dir>                  state directory; starting again resumes from it (default ${DEFAULT_DATA_DIR})
  --ready-file <path>           write the endpoints and keys as JSON here once everything is ready
  --port <port>                 port of the app's HTTP API (default 7071, or a free one if taken)
  --restore-point-hours <hours> simulated hours between new source restore points, 0 for none
                                (default ${DEFAULT_RESTORE_POINT_HOURS})
  --quiet                       no live summary (the default when stdout is not a terminal, and with
                                --ready-file when stdin is not one: a script or a background job)
  --summary                     a line per copy change even when stdout is not a terminal
  --faults <file>               inject the faults of this JSON fault plan into the Compute simulator
                                (see dev/compute-sim/README.md)
  --arm-events-to <url>         deliver the simulator's ARM events to this URL instead of the app's Event
                                Grid webhook, e.g. a relay that forwards them (first start only)
  -h, --help                    show this help`;

type ValueFlag =
  '--speed' | '--data' | '--ready-file' | '--port' | '--restore-point-hours' | '--faults' | '--arm-events-to';
const valueFlags: ReadonlySet<string> = new Set<ValueFlag>([
  '--speed',
  '--data',
  '--ready-file',
  '--port',
  '--restore-point-hours',
  '--faults',
  '--arm-events-to',
]);

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`${flag} must be a positive number, got '${text}'`);
  }
  return value;
}

function nonNegativeNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag} must be a number of at least 0, got '${text}'`);
  }
  return value;
}

function port(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65_535) {
    throw new UsageError(`--port must be an integer from 0 to 65535, got '${text}'`);
  }
  return value;
}

function nonEmpty(flag: string, text: string): string {
  if (text.trim() === '') {
    throw new UsageError(`${flag} needs a non-empty path`);
  }
  return text;
}

function httpUrl(flag: string, text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new UsageError(`${flag} must be an http(s) URL, got '${text}'`);
  }
  return text;
}

/** Accepts `--flag value` and `--flag=value`; a repeated flag is refused rather than silently overridden. */
export function parseStackArgs(argv: readonly string[]): ParsedArgs {
  const flags = readFlags(argv, {
    valued: valueFlags,
    switches: ['--quiet', '--summary'],
    positionalHint: ': this command takes options only',
  });
  if (flags === 'help') {
    return { kind: 'help' };
  }
  const { values } = flags;
  const quiet = flags.switches.has('--quiet');
  const summary = flags.switches.has('--summary');

  if (quiet && summary) {
    throw new UsageError('--quiet and --summary cannot be combined');
  }
  const speedText = values.get('--speed');
  const portText = values.get('--port');
  const readyFile = values.get('--ready-file');
  const hoursText = values.get('--restore-point-hours');
  const dataText = values.get('--data');
  const faultsFile = values.get('--faults');
  const armEventsTo = values.get('--arm-events-to');
  return {
    kind: 'run',
    args: {
      speed: speedText === undefined ? DEFAULT_SPEED : positiveNumber('--speed', speedText),
      dataDir: dataText === undefined ? DEFAULT_DATA_DIR : nonEmpty('--data', dataText),
      ...(readyFile !== undefined ? { readyFile: nonEmpty('--ready-file', readyFile) } : {}),
      ...(portText !== undefined ? { port: port(portText) } : {}),
      restorePointHours:
        hoursText === undefined
          ? DEFAULT_RESTORE_POINT_HOURS
          : nonNegativeNumber('--restore-point-hours', hoursText),
      quiet,
      ...(summary ? { summary: true as const } : {}),
      ...(faultsFile !== undefined ? { faultsFile: nonEmpty('--faults', faultsFile) } : {}),
      ...(armEventsTo !== undefined ? { armEventsTo: httpUrl('--arm-events-to', armEventsTo) } : {}),
    },
  };
}

/**
 * Whether to show the live summary. It redraws itself in place, which garbles a shell the stack runs
 * behind (`npm start … &`) and fills a log with escape codes, so without a terminal it stays off unless
 * `--summary` asks for it; a `--ready-file` with no terminal on stdin means a script drives the stack.
 */
export function showsSummary(args: StackArgs, terminal: { stdout: boolean; stdin: boolean }): boolean {
  if (args.quiet) {
    return false;
  }
  if (args.summary) {
    return true;
  }
  return terminal.stdout && !(args.readyFile !== undefined && !terminal.stdin);
}
