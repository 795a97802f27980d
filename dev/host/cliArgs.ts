import path from 'node:path';
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run host -- --app-dir <dir> [options]

Runs an Azure Functions (Node v4 programming model) app with its Durable orchestrations, offline.

Options:
  --app-dir <dir>        The app: its package.json "main" (globs allowed), host.json, local.settings.json
  --port <n>             Port on 127.0.0.1; 0 picks a free one (default 7071)
  --speed <f>            Clock speed: clock milliseconds per real millisecond (default 1)
  --virtual              Fully virtual clock: jump to the next timer whenever the host is idle
  --data <dir>           State directory: instances, history, keys, timer status (default .rpcopy/host)
  --master-key <key>     Use this master key instead of the generated one
  --function-key <key>   Use this default function key instead of the generated one
  --legacy-client        Give durable clients no rpcBaseUrl, so they call the webhook URLs (by default
                         they get one, as the extension's local RPC endpoint for Node apps)
  --verbose              Log every request and debug output
  -h, --help             Show this help
`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface HostCliOptions {
  appDir: string;
  port: number;
  speed: number;
  virtual: boolean;
  dataDir: string;
  masterKey?: string;
  functionKey?: string;
  legacyClient: boolean;
  verbose: boolean;
  help: boolean;
}

function parseNumber(flag: string, raw: string, valid: (n: number) => boolean, expected: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !valid(value)) {
    throw new UsageError(`--${flag} must be ${expected}, got "${raw}"`);
  }
  return value;
}

/** Parses the CLI flags; throws UsageError (exit code 2) for anything it cannot accept. */
export function parseHostArgs(argv: string[], cwd = process.cwd()): HostCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        'app-dir': { type: 'string' },
        port: { type: 'string' },
        speed: { type: 'string' },
        virtual: { type: 'boolean' },
        data: { type: 'string' },
        'master-key': { type: 'string' },
        'function-key': { type: 'string' },
        'legacy-client': { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const help = values.help === true;
  const appDirRaw = values['app-dir'];
  if (!help && (appDirRaw === undefined || appDirRaw === '')) {
    throw new UsageError('--app-dir is required');
  }
  const port =
    values.port === undefined
      ? 7071
      : parseNumber(
          'port',
          values.port,
          (n) => Number.isInteger(n) && n >= 0 && n <= 65535,
          'an integer 0-65535',
        );
  const speed =
    values.speed === undefined ? 1 : parseNumber('speed', values.speed, (n) => n > 0, 'a positive number');
  if (values.virtual === true && values.speed !== undefined) {
    throw new UsageError('--virtual and --speed cannot be combined: a virtual clock has no speed');
  }
  for (const flag of ['master-key', 'function-key'] as const) {
    const key = values[flag];
    if (key !== undefined && !/^[A-Za-z0-9_\-=]{16,}$/.test(key)) {
      throw new UsageError(`--${flag} must be at least 16 characters of letters, digits, '-', '_' or '='`);
    }
  }
  const options: HostCliOptions = {
    appDir: path.resolve(cwd, appDirRaw ?? '.'),
    port,
    speed,
    virtual: values.virtual === true,
    dataDir: path.resolve(cwd, values.data ?? path.join('.rpcopy', 'host')),
    legacyClient: values['legacy-client'] === true,
    verbose: values.verbose === true,
    help,
  };
  if (values['master-key'] !== undefined) {
    options.masterKey = values['master-key'];
  }
  if (values['function-key'] !== undefined) {
    options.functionKey = values['function-key'];
  }
  return options;
}
