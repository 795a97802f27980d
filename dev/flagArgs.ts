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
