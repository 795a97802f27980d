/**
 * What the fuzz holds every answer to, and the counts it prints. Pure: requests are sent elsewhere.
 */

/** The routes the fuzz attacks; every response is counted under one of them. */
export type FuzzRoute =
  | 'POST /api/copies'
  | 'GET /api/copies'
  | 'GET /api/copies/{id}'
  | 'POST /api/copies/{id}/cancel'
  | 'other method or path under /api'
  | 'POST Event Grid webhook';

export const FUZZ_ROUTES: readonly FuzzRoute[] = [
  'POST /api/copies',
  'GET /api/copies',
  'GET /api/copies/{id}',
  'POST /api/copies/{id}/cancel',
  'other method or path under /api',
  'POST Event Grid webhook',
];

/** A host that must never appear in an answer: the fuzz sends it as `Host` and as forwarding headers. */
export const SPOOFED_HOST = 'evil.example';

/**
 * Largest acceptable error body. Messages may quote a few hundred characters of input; with the code and
 * the JSON around it, anything past this echoes input it should not.
 */
export const ERROR_BODY_LIMIT = 4 * 1024;

/**
 * Largest acceptable success body per route: a few KB over what the route can legitimately hold (a page of
 * 200 copy documents; one document; one copy per known region).
 */
export const SUCCESS_BODY_LIMIT: Record<FuzzRoute, number> = {
  'POST /api/copies': 64 * 1024 + 4 * 1024,
  'GET /api/copies': 200 * 8 * 1024 + 4 * 1024,
  'GET /api/copies/{id}': 8 * 1024 + 4 * 1024,
  'POST /api/copies/{id}/cancel': 8 * 1024 + 4 * 1024,
  'other method or path under /api': ERROR_BODY_LIMIT,
  'POST Event Grid webhook': ERROR_BODY_LIMIT,
};

export interface FuzzExchange {
  route: FuzzRoute;
  /** What the request tried, for the report: e.g. "1 MB region name". */
  attack: string;
  /** True when the request carried a valid function key (so the app, not the host's key check, answers). */
  authorized: boolean;
  /** HTTP status, or 0 when the connection failed without an answer. */
  status: number;
  contentType: string;
  body: Buffer;
  /** Bytes of the body read; more than `body.length` when the rest was cut off. */
  bodyBytes: number;
}

/** The problems with one answer; empty when it is fine. */
export function judge(exchange: FuzzExchange): string[] {
  const problems: string[] = [];
  const { route, status, bodyBytes } = exchange;
  if (status === 0) {
    problems.push('no answer (connection closed)');
  }
  if (status >= 500) {
    problems.push(`${status} answer`);
  }
  const text = exchange.body.toString('utf8');
  if (text.toLowerCase().includes(SPOOFED_HOST)) {
    problems.push(`the answer points at the spoofed Host ${SPOOFED_HOST}`);
  }

  const limit = status >= 400 ? ERROR_BODY_LIMIT : SUCCESS_BODY_LIMIT[route];
  if (bodyBytes > limit) {
    problems.push(`a ${bodyBytes}-byte answer, over its ${limit}-byte limit`);
  }

  // The app's own answers; the webhook answers as the Functions host does ({"Message": …} or nothing).
  const appRoute = route !== 'POST Event Grid webhook';
  if (appRoute && exchange.authorized && status >= 400 && status < 500 && bodyBytes > 0) {
    if (!isErrorBody(text)) {
      problems.push('an error body not shaped {"error":{"code","message"}}');
    }
  }
  // An empty error answer is the host's (no such route, no key); the app always explains itself.
  if (
    appRoute &&
    exchange.authorized &&
    status >= 400 &&
    bodyBytes === 0 &&
    ![401, 404, 405].includes(status)
  ) {
    problems.push(`an empty ${status} answer`);
  }
  return problems;
}

function isErrorBody(text: string): boolean {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null) {
      return false;
    }
    const error = (parsed as { error?: unknown }).error;
    if (typeof error !== 'object' || error === null) {
      return false;
    }
    const { code, message } = error as { code?: unknown; message?: unknown };
    return typeof code === 'string' && code !== '' && typeof message === 'string' && message !== '';
  } catch {
    return false;
  }
}

export interface FuzzTally {
  /** Per route: count per HTTP status (0: no answer). */
  statuses: Map<FuzzRoute, Map<number, number>>;
  /** Per problem kind: count and the first few examples. */
  problems: Map<string, { count: number; examples: string[] }>;
  requests: number;
}

export function newTally(): FuzzTally {
  return {
    statuses: new Map(FUZZ_ROUTES.map((route) => [route, new Map<number, number>()])),
    problems: new Map(),
    requests: 0,
  };
}

export function record(tally: FuzzTally, exchange: FuzzExchange): void {
  tally.requests++;
  const statuses = tally.statuses.get(exchange.route) ?? new Map<number, number>();
  statuses.set(exchange.status, (statuses.get(exchange.status) ?? 0) + 1);
  tally.statuses.set(exchange.route, statuses);
  for (const problem of judge(exchange)) {
    const kind = problem.replace(/\d+/g, 'N');
    const entry = tally.problems.get(kind) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 3) {
      entry.examples.push(`${exchange.route} (${exchange.attack}) → ${exchange.status}: ${problem}`);
    }
    tally.problems.set(kind, entry);
  }
}

/** The status counts, one line per route, then the problems. */
export function renderTally(tally: FuzzTally): string {
  const width = Math.max(...FUZZ_ROUTES.map((route) => route.length));
  const lines = [`${'route'.padEnd(width)}  requests  statuses`];
  for (const route of FUZZ_ROUTES) {
    const statuses = tally.statuses.get(route) ?? new Map<number, number>();
    const total = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    const spread = [...statuses]
      .sort(([a], [b]) => a - b)
      .map(([status, count]) => `${status === 0 ? 'none' : status}×${count}`)
      .join(' ');
    lines.push(`${route.padEnd(width)}  ${String(total).padStart(8)}  ${spread || '-'}`);
  }
  const fiveHundreds = [...tally.statuses.values()]
    .flatMap((statuses) => [...statuses])
    .filter(([status]) => status >= 500)
    .reduce((sum, [, count]) => sum + count, 0);
  lines.push(`${'all'.padEnd(width)}  ${String(tally.requests).padStart(8)}  5xx×${fiveHundreds}`);
  for (const [kind, { count, examples }] of tally.problems) {
    lines.push(`problem ×${count}: ${kind}`, ...examples.map((example) => `  e.g. ${example}`));
  }
  return lines.join('\n');
}
