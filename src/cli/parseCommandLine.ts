import { parseArgs } from 'node:util';
import { normalizeRegion } from '../domain/regions';
import { copyStatuses } from './copyDocument';
import { defaultApiUrl } from './help';

export const commandNames = ['copy', 'status', 'list', 'watch', 'cancel'] as const;
export type CommandName = (typeof commandNames)[number];

export interface GlobalOptions {
  url: URL;
  /** Never printed. */
  key?: string;
  json: boolean;
  /** From RPCOPY_SIMULATED_SPEED: the app's clock runs this many times real time (the local stack). */
  simulatedSpeed?: number;
}

export type Command =
  | { name: 'help'; topic?: CommandName }
  | { name: 'version' }
  | { name: 'copy'; sourceRestorePointId: string; targetRegions?: string[] }
  | { name: 'status'; id: string }
  | {
      name: 'list';
      status?: string;
      sourceRestorePointId?: string;
      targetRegion?: string;
      top?: number;
      all: boolean;
    }
  | { name: 'watch'; id?: string; intervalMs: number; follow: boolean }
  | { name: 'cancel'; id: string };

export interface CommandLine {
  command: Command;
  global: GlobalOptions;
}

/** The command line cannot be run as given; the CLI prints the message and a short usage, and exits 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: CommandName,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

const options = {
  url: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
  to: { type: 'string', multiple: true },
  status: { type: 'string' },
  source: { type: 'string' },
  region: { type: 'string' },
  top: { type: 'string' },
  all: { type: 'boolean' },
  interval: { type: 'string' },
  follow: { type: 'boolean' },
} as const;

type OptionName = keyof typeof options;

const globalOptionNames: readonly OptionName[] = ['url', 'key', 'json', 'help', 'version'];

const commandOptionNames: Record<CommandName, readonly OptionName[]> = {
  copy: ['to'],
  status: [],
  list: ['status', 'source', 'region', 'top', 'all'],
  watch: ['interval', 'follow'],
  cancel: [],
};

const defaultIntervalSeconds = 2;
const minimumIntervalSeconds = 0.1;

function isCommandName(value: string): value is CommandName {
  return (commandNames as readonly string[]).includes(value);
}

/** Turns node:util's parse errors into one short sentence naming the option. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option ${option ?? message}.`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return option && /argument missing|ambiguous/.test(message)
        ? `Option ${option} needs a value.`
        : `Option ${option ?? ''} does not take a value.`.replace('  ', ' ');
    default:
      return message;
  }
}

/**
 * A known Azure region, by the app's own list (src/domain/regions.ts imports nothing), so a typo is a usage
 * error here rather than an API error, for `copy --to` and `list --region` alike.
 */
function regionName(value: string, command: CommandName): string {
  const region = normalizeRegion(value.trim());
  if (region === undefined) {
    throw new UsageError(
      `'${value.trim()}' is not an Azure region name; use names like westus2 or northeurope.`,
      command,
    );
  }
  return region;
}

function regionList(values: readonly string[]): string[] {
  const regions = values
    .flatMap((value) => value.split(','))
    .filter((value) => value.trim().length > 0)
    .map((value) => regionName(value, 'copy'));
  if (regions.length === 0) {
    throw new UsageError('Option --to needs at least one region, e.g. --to westus2.', 'copy');
  }
  return [...new Set(regions)];
}

/** One status or a comma-separated list, in the API's spelling. */
function statusNames(value: string): string {
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) {
    throw new UsageError('Option --status needs a status, e.g. --status Failed.', 'list');
  }
  const statuses = names.map((name) => {
    const status = copyStatuses.find((candidate) => candidate.toLowerCase() === name.toLowerCase());
    if (status === undefined) {
      throw new UsageError(`Unknown status '${name}'; use one of ${copyStatuses.join(', ')}.`, 'list');
    }
    return status;
  });
  return [...new Set(statuses)].join(',');
}

/** The largest page `GET /api/copies` serves (docs/api.md); a larger `top` is refused here, not by the API. */
export const maxPageSize = 200;

function pageSize(value: string): number {
  const trimmed = value.trim();
  const parsed = Number(trimmed);
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(parsed) || parsed < 1 || parsed > maxPageSize) {
    throw new UsageError(
      `Option --top needs a whole number from 1 to ${maxPageSize}, not '${value}'.`,
      'list',
    );
  }
  return parsed;
}

function intervalMs(value: string | undefined): number {
  if (value === undefined) {
    return defaultIntervalSeconds * 1000;
  }
  const seconds = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < minimumIntervalSeconds) {
    throw new UsageError(
      `Option --interval needs a number of seconds of at least ${minimumIntervalSeconds}, not '${value}'.`,
      'watch',
    );
  }
  return Math.round(seconds * 1000);
}

/** A full ARM restore point id, the only form the API accepts. */
function sourceRestorePointId(value: string, command: CommandName, what: string): string {
  const id = value.trim();
  if (!/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+\/restorePoints\/[^/]+$/i.test(id)) {
    throw new UsageError(
      `${what} must be the full ARM id of a restore point: /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/restorePointCollections/<collection>/restorePoints/<name>, not '${value}'.`,
      command,
    );
  }
  return id;
}

function copyId(value: string | undefined, command: CommandName): string {
  if (value === undefined || value.trim() === '') {
    throw new UsageError('Missing argument <copyId>.', command);
  }
  return value.trim();
}

function simulatedSpeed(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') {
    return undefined;
  }
  const speed = Number(value.trim());
  if (!Number.isFinite(speed) || speed <= 0) {
    throw new UsageError(`RPCOPY_SIMULATED_SPEED must be a positive number, not '${value}'.`);
  }
  return speed;
}

function apiUrl(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): URL {
  const fromEnv = env.RPCOPY_URL?.trim() ? env.RPCOPY_URL.trim() : undefined;
  const value = flag ?? fromEnv ?? defaultApiUrl;
  const source = flag !== undefined ? '--url' : fromEnv !== undefined ? 'RPCOPY_URL' : 'the default URL';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${source} is not a URL: '${value}'. Use e.g. ${defaultApiUrl}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http:// or https:// URL, not '${url.protocol}'.`);
  }
  return url;
}

/**
 * Reads the command line: one command, its arguments and options, and the global options, which may
 * appear anywhere.
 *
 * @throws UsageError for anything that cannot run as given.
 */
// Long because it is one validation pass then one short case per command, kept together as the grammar.
export function parseCommandLine(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CommandLine {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (error) {
    const first = argv.find((arg) => !arg.startsWith('-'));
    throw new UsageError(
      describeParseError(error),
      first !== undefined && isCommandName(first) ? first : undefined,
    );
  }
  const { values, positionals } = parsed;
  const [name, ...args] = positionals;

  if (name !== undefined && name !== 'help' && !isCommandName(name)) {
    throw new UsageError(`Unknown command '${name}'. Commands: ${commandNames.join(', ')}.`);
  }
  const helpGlobal = (): GlobalOptions => ({ url: new URL(defaultApiUrl), json: false });
  if (name === 'help') {
    const topic = args[0];
    if (topic !== undefined && !isCommandName(topic)) {
      throw new UsageError(`Unknown command '${topic}'. Commands: ${commandNames.join(', ')}.`);
    }
    return {
      command: topic !== undefined ? { name: 'help', topic } : { name: 'help' },
      global: helpGlobal(),
    };
  }
  if (values.help) {
    return {
      command: name !== undefined ? { name: 'help', topic: name } : { name: 'help' },
      global: helpGlobal(),
    };
  }
  if (values.version) {
    return { command: { name: 'version' }, global: helpGlobal() };
  }
  if (name === undefined) {
    throw new UsageError('Missing command.');
  }

  const allowed = new Set<OptionName>([...globalOptionNames, ...commandOptionNames[name]]);
  for (const option of Object.keys(values) as OptionName[]) {
    if (!allowed.has(option)) {
      throw new UsageError(`Option --${option} does not apply to '${name}'.`, name);
    }
  }
  const maxArgs = name === 'list' ? 0 : 1;
  if (args.length > maxArgs) {
    throw new UsageError(`Unexpected argument '${args[maxArgs] ?? ''}'.`, name);
  }

  const key = values.key ?? env.RPCOPY_KEY;
  const speed = simulatedSpeed(env.RPCOPY_SIMULATED_SPEED);
  const global: GlobalOptions = {
    url: apiUrl(values.url, env),
    ...(key !== undefined && key.trim() !== '' ? { key: key.trim() } : {}),
    json: values.json ?? false,
    ...(speed !== undefined ? { simulatedSpeed: speed } : {}),
  };

  const command = ((): Command => {
    switch (name) {
      case 'copy': {
        const source = args[0];
        if (source === undefined) {
          throw new UsageError('Missing argument <sourceRestorePointId>.', name);
        }
        return {
          name,
          sourceRestorePointId: sourceRestorePointId(source, name, '<sourceRestorePointId>'),
          ...(values.to !== undefined ? { targetRegions: regionList(values.to) } : {}),
        };
      }
      case 'status':
      case 'cancel':
        return { name, id: copyId(args[0], name) };
      case 'list':
        return {
          name,
          ...(values.status !== undefined ? { status: statusNames(values.status) } : {}),
          ...(values.source !== undefined
            ? { sourceRestorePointId: sourceRestorePointId(values.source, name, 'Option --source') }
            : {}),
          ...(values.region !== undefined ? { targetRegion: regionName(values.region, name) } : {}),
          ...(values.top !== undefined ? { top: pageSize(values.top) } : {}),
          all: values.all ?? false,
        };
      case 'watch': {
        const id = args[0] !== undefined ? copyId(args[0], name) : undefined;
        if (id !== undefined && values.follow) {
          throw new UsageError('Option --follow applies only when watching every copy (no <copyId>).', name);
        }
        return {
          name,
          ...(id !== undefined ? { id } : {}),
          intervalMs: intervalMs(values.interval),
          follow: values.follow ?? false,
        };
      }
    }
  })();
  return { command, global };
}
