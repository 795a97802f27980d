import { parseArgs } from 'node:util';

import { PROTECTION_STATES } from '../domain/protection';
import type { ProtectionEntry } from '../domain/protection';
import { normalizeRegion } from '../domain/regions';
import { CopyApiClient } from './copyApiClient';
import { InvalidResponseError, lastSegment } from './copyDocument';
import { defaultApiUrl } from './help';
import type { TextSink } from './liveFrame';
import type { GlobalOptions } from './parseCommandLine';
import { UsageError } from './parseCommandLine';
import type { RenderStyle } from './render';
import { formatEta, renderTable } from './render';

/** `rpcopy protection`: the protection view of every pair, as a table coloured by state. */

export const protectionUsage =
  'rpcopy protection [--state <state>[,<state>…]] [--region <region>] [--subscription <id>]';

export const protectionHelp = `Usage: ${protectionUsage}

Shows, for every source collection and target region, whether a recent enough copy exists: the state
(Protected, AtRisk, Breached, Unprotected, Disabled), the achieved RPO against the target, the newest usable
copy, a copy in flight with its ETA, and why a pair is not protected. Reads every page.

  --state <states>       only these states, comma-separated: --state Breached,AtRisk
  --region <region>      only pairs copying to this region
  --subscription <id>    only collections in this subscription
  --url, --key, --json   as for every command (see rpcopy --help)

Exit code 1 when a listed pair is Breached or Unprotected.
`;

export interface ProtectionIo {
  stdout: TextSink;
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  isTTY: boolean;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** Whether the command line is `rpcopy protection …` or `rpcopy help protection`. */
export function isProtectionCommand(argv: readonly string[]): boolean {
  const positionals = argv.filter((arg) => !arg.startsWith('-'));
  return positionals[0] === 'protection' || (positionals[0] === 'help' && positionals[1] === 'protection');
}

interface ProtectionOptions {
  url: URL;
  key?: string;
  json: boolean;
  help: boolean;
  query: URLSearchParams;
}

function parse(argv: readonly string[], env: ProtectionIo['env']): ProtectionOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        key: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        state: { type: 'string' },
        region: { type: 'string' },
        subscription: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const extra = positionals.filter((word) => word !== 'protection' && word !== 'help');
  if (extra.length > 0) {
    throw new UsageError(`Unexpected argument '${extra[0] ?? ''}'.`);
  }
  const query = new URLSearchParams();
  if (values.state !== undefined) {
    const states = values.state.split(',').map((name) => {
      const state = PROTECTION_STATES.find((known) => known.toLowerCase() === name.trim().toLowerCase());
      if (state === undefined) {
        throw new UsageError(`Unknown state '${name}'; use ${PROTECTION_STATES.join(', ')}.`);
      }
      return state;
    });
    query.set('state', states.join(','));
  }
  if (values.region !== undefined) {
    const region = normalizeRegion(values.region);
    if (region === undefined) {
      throw new UsageError(`'${values.region}' is not a known Azure region.`);
    }
    query.set('region', region);
  }
  if (values.subscription !== undefined) {
    query.set('subscription', values.subscription.trim());
  }
  const urlText = values.url ?? (env.RPCOPY_URL?.trim() || undefined) ?? defaultApiUrl;
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    throw new UsageError(`'${urlText}' is not a URL. Use e.g. ${defaultApiUrl}.`);
  }
  const key = (values.key ?? env.RPCOPY_KEY)?.trim();
  return {
    url,
    ...(key !== undefined && key !== '' ? { key } : {}),
    json: values.json ?? false,
    help: values.help === true || positionals[0] === 'help',
    query,
  };
}

const colours: Record<string, string> = {
  Protected: '\u001b[32m',
  AtRisk: '\u001b[33m',
  Breached: '\u001b[31m',
  Unprotected: '\u001b[31m',
  Disabled: '\u001b[2m',
};

function hours(value: number | null): string {
  return value === null ? '—' : `${value.toFixed(1)}h`;
}

/** The pair's last failure when its reason does not already name it (an older copy keeps it Protected). */
function failureNote(pair: ProtectionEntry): string | undefined {
  const failure = pair.lastFailure;
  return failure === null || pair.reason?.copyId === failure.copyId
    ? undefined
    : `last copy ${failure.status}: ${failure.error.message}`;
}

/** Lines for the protection table. */
export function renderProtection(pairs: readonly ProtectionEntry[], style: RenderStyle): string[] {
  if (pairs.length === 0) {
    return ['No pairs in scope: no policy rule or rpcopy-targets tag covers a collection.'];
  }
  const rows = pairs.map((pair) => {
    const flight = pair.copyInFlight;
    return [
      lastSegment(pair.sourceCollectionId) ?? pair.sourceCollectionId,
      pair.targetRegion,
      style.color ? `${colours[pair.state] ?? ''}${pair.state}\u001b[0m` : pair.state,
      `${hours(pair.rpo.achievedHours)} / ${hours(pair.rpo.targetHours)}`,
      lastSegment(pair.newestUsableCopy?.targetRestorePointId) ?? '—',
      flight === null
        ? '—'
        : `${flight.status} ${flight.percent}%${flight.etaSeconds === null ? '' : ` ETA ${formatEta(flight.etaSeconds)}`}`,
      [pair.reason?.message, failureNote(pair), ...pair.warnings]
        .filter((text) => text !== undefined)
        .join('; ') || '—',
    ];
  });
  return renderTable(
    ['COLLECTION', 'REGION', 'STATE', 'RPO (ACHIEVED / TARGET)', 'NEWEST COPY', 'IN FLIGHT', 'WHY'],
    rows,
  );
}

function isPage(value: unknown): value is { pairs: ProtectionEntry[]; continuationToken: string | null } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'pairs' in value &&
    Array.isArray(value.pairs) &&
    'continuationToken' in value
  );
}

/**
 * Runs `rpcopy protection`; API failures go to `reportApiFailure` (the CLI's shared reporting).
 *
 * @returns the exit code: 0, 1 when a listed pair is Breached or Unprotected, 2 usage, 3 API.
 */
export async function runProtectionCommand(
  argv: readonly string[],
  io: ProtectionIo,
  reportApiFailure: (error: unknown, global: GlobalOptions, client: CopyApiClient) => number,
): Promise<number> {
  let options: ProtectionOptions;
  try {
    options = parse(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    io.stderr.write(`rpcopy: ${error.message}\nUsage: ${protectionUsage}\n`);
    return 2;
  }
  if (options.help) {
    io.stdout.write(protectionHelp);
    return 0;
  }
  const client = new CopyApiClient({
    baseUrl: options.url,
    ...(options.key === undefined ? {} : { key: options.key }),
    ...(io.fetch === undefined ? {} : { fetch: io.fetch }),
    ...(io.signal === undefined ? {} : { signal: io.signal }),
  });
  const pairs: ProtectionEntry[] = [];
  const bodies: unknown[] = [];
  try {
    let token: string | null = null;
    do {
      const query = new URLSearchParams(options.query);
      query.set('top', '200');
      if (token !== null) {
        query.set('continuationToken', token);
      }
      const body = await client.getJson(`protection?${query.toString()}`);
      if (!isPage(body)) {
        throw new InvalidResponseError('GET /api/protection: the answer has no pairs');
      }
      bodies.push(body);
      pairs.push(...body.pairs);
      token = body.continuationToken;
    } while (token !== null);
  } catch (error) {
    return reportApiFailure(
      error,
      { url: options.url, json: options.json, ...(options.key === undefined ? {} : { key: options.key }) },
      client,
    );
  }
  if (options.json) {
    const first = bodies[0] as Record<string, unknown> | undefined;
    io.stdout.write(
      `${JSON.stringify({ ...first, pairs, continuationToken: null, nextLink: null }, null, 2)}\n`,
    );
  } else {
    const style = { color: io.isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb' };
    io.stdout.write(`${renderProtection(pairs, style).join('\n')}\n`);
  }
  return pairs.some((pair) => pair.state === 'Breached' || pair.state === 'Unprotected') ? 1 : 0;
}
