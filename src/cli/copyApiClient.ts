import type { CopyDocument, CopyPage } from './copyDocument';
import { InvalidResponseError, toCopyDocument, toCopyPage } from './copyDocument';

/** The API answered with a non-2xx status. `code` and `apiMessage` come from its `{ error: { code, message } }` body. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly request: string,
    readonly body: unknown,
  ) {
    super(`${request} answered ${status} ${code}: ${apiMessage}`);
    this.name = 'ApiError';
  }
}

/** The API could not be reached, or did not answer in time. */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`could not reach ${url}: ${reason}`);
    this.name = 'ConnectionError';
  }
}

export interface ApiResult<T> {
  value: T;
  /** The API's JSON as received, for `--json`. */
  body: unknown;
}

export interface ListCopiesOptions {
  status?: string;
  sourceRestorePointId?: string;
  targetRegion?: string;
  top?: number;
  continuationToken?: string;
}

export interface CopyApiClientOptions {
  /** The app's base URL, e.g. `http://localhost:7071`; a trailing `/api` is accepted too. */
  baseUrl: URL;
  /** Function key, sent as `x-functions-key`. */
  key?: string;
  fetch?: typeof fetch;
  /** Aborts every request in flight (Ctrl-C). */
  signal?: AbortSignal;
  /** @default 30000 */
  requestTimeoutMs?: number;
}

/** Shows a URL without credentials: user info and a `code` (function key) query parameter are masked. */
export function redactUrl(url: URL | string): string {
  const copy = new URL(url);
  if (copy.username || copy.password) {
    copy.username = '***';
    copy.password = '';
  }
  if (copy.searchParams.has('code')) {
    copy.searchParams.set('code', '***');
  }
  return copy.toString();
}

function apiRoot(baseUrl: URL): URL {
  const root = new URL(baseUrl);
  root.search = '';
  root.hash = '';
  const path = root.pathname.replace(/\/+$/, '');
  root.pathname = path.endsWith('/api') ? `${path}/` : `${path}/api/`;
  return root;
}

function describeFetchFailure(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const codeOf = (value: unknown): string | undefined =>
    typeof value === 'object' && value !== null && 'code' in value && typeof value.code === 'string'
      ? value.code
      : undefined;
  const nested =
    cause instanceof AggregateError ? cause.errors.map(codeOf).find((code) => code !== undefined) : undefined;
  const code = codeOf(cause) ?? nested;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused (ECONNREFUSED)';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `host not found (${code})`;
    case 'ECONNRESET':
      return 'connection reset (ECONNRESET)';
    case undefined:
      return cause instanceof Error ? cause.message : error instanceof Error ? error.message : String(error);
    default:
      return cause instanceof Error && cause.message ? `${cause.message}` : code;
  }
}

function errorFromBody(status: number, statusText: string, text: string): { code: string; message: string } {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && 'error' in parsed) {
      const error = parsed.error;
      if (typeof error === 'object' && error !== null) {
        const code = 'code' in error && typeof error.code === 'string' ? error.code : `HTTP${status}`;
        const message = 'message' in error && typeof error.message === 'string' ? error.message : statusText;
        return { code, message };
      }
    }
  } catch {
    // Not JSON (a proxy page, an empty 404 from the host): fall back to the text itself.
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return {
    code: `HTTP${status}`,
    message: snippet ? `${statusText}: ${snippet}` : statusText || 'no details',
  };
}

/** Typed access to the rpcopy HTTP API (`/api/copies`). */
export class CopyApiClient {
  private readonly root: URL;
  private readonly fetchImpl: typeof fetch;
  private readonly requestTimeoutMs: number;

  constructor(private readonly options: CopyApiClientOptions) {
    this.root = apiRoot(options.baseUrl);
    this.fetchImpl = options.fetch ?? fetch;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** The URL the client sends requests to, safe to show. */
  get displayUrl(): string {
    return redactUrl(this.root);
  }

  async createCopies(
    sourceRestorePointId: string,
    targetRegions: readonly string[] | undefined,
  ): Promise<ApiResult<CopyPage>> {
    const body = await this.send('POST', new URL('copies', this.root), {
      sourceRestorePointId,
      ...(targetRegions !== undefined ? { targetRegions } : {}),
    });
    return { value: toCopyPage(body, 'POST /api/copies'), body };
  }

  async getCopy(id: string): Promise<ApiResult<CopyDocument>> {
    const body = await this.send('GET', this.copyUrl(id));
    return { value: toCopyDocument(body, `GET /api/copies/${id}`), body };
  }

  async listCopies(options: ListCopiesOptions = {}): Promise<ApiResult<CopyPage>> {
    const url = new URL('copies', this.root);
    const query: [string, string | undefined][] = [
      ['status', options.status],
      ['sourceRestorePointId', options.sourceRestorePointId],
      ['targetRegion', options.targetRegion],
      ['top', options.top?.toString()],
      ['continuationToken', options.continuationToken],
    ];
    for (const [name, value] of query) {
      if (value !== undefined) {
        url.searchParams.set(name, value);
      }
    }
    const body = await this.send('GET', url);
    return { value: toCopyPage(body, 'GET /api/copies'), body };
  }

  /**
   * Follows a page's `nextLink`.
   *
   * @remarks Only links to the same origin are followed, so the function key never leaves for another host.
   */
  async listCopiesAt(nextLink: string): Promise<ApiResult<CopyPage>> {
    const url = new URL(nextLink, this.root);
    if (url.origin !== this.root.origin) {
      throw new InvalidResponseError(`GET /api/copies: nextLink points to another host (${url.origin})`);
    }
    const body = await this.send('GET', url);
    return { value: toCopyPage(body, 'GET /api/copies'), body };
  }

  /** Pages through every copy matching `options`, following continuations; `body` is each copy's JSON. */
  async listAllCopies(options: ListCopiesOptions = {}): Promise<ApiResult<CopyDocument>[]> {
    const entries: ApiResult<CopyDocument>[] = [];
    const collect = (result: ApiResult<CopyPage>): CopyPage => {
      const rawCopies =
        typeof result.body === 'object' && result.body !== null && 'copies' in result.body
          ? (result.body.copies as unknown[])
          : [];
      result.value.copies.forEach((copy, index) => entries.push({ value: copy, body: rawCopies[index] }));
      return result.value;
    };
    let page = collect(await this.listCopies(options));
    const seen = new Set<string>();
    for (;;) {
      // The token is preferred: a nextLink carries the origin the server saw, which a proxy may have changed.
      const { continuationToken, nextLink } = page;
      const next = continuationToken ?? nextLink;
      if (next === undefined) {
        return entries;
      }
      if (seen.has(next)) {
        throw new InvalidResponseError('GET /api/copies: the continuation repeats itself');
      }
      seen.add(next);
      page = collect(
        continuationToken !== undefined
          ? await this.listCopies({ ...options, continuationToken })
          : await this.listCopiesAt(next),
      );
    }
  }

  /** Requests cancellation; the answer is a copy document when the server sends one. */
  async cancelCopy(id: string): Promise<ApiResult<CopyDocument | undefined>> {
    const body = await this.send('POST', new URL(`copies/${encodeURIComponent(id)}/cancel`, this.root));
    const hasCopy = typeof body === 'object' && body !== null && 'id' in body && 'status' in body;
    return { value: hasCopy ? toCopyDocument(body, `POST /api/copies/${id}/cancel`) : undefined, body };
  }

  /** GET of another API route (relative to `/api/`, query included), for commands beyond copies. */
  async getJson(route: string): Promise<unknown> {
    return this.send('GET', new URL(route, this.root));
  }

  private copyUrl(id: string): URL {
    return new URL(`copies/${encodeURIComponent(id)}`, this.root);
  }

  private async send(method: 'GET' | 'POST', url: URL, json?: unknown): Promise<unknown> {
    const request = `${method} ${url.pathname}`;
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (this.options.key !== undefined) {
      headers['x-functions-key'] = this.options.key;
    }
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers,
        signal,
        ...(json !== undefined ? { body: JSON.stringify(json) } : method === 'POST' ? { body: '' } : {}),
      });
      text = await response.text();
    } catch (error) {
      if (this.options.signal?.aborted) {
        throw error;
      }
      const reason = timeout.aborted
        ? `no answer within ${Math.round(this.requestTimeoutMs / 1000)} s`
        : describeFetchFailure(error);
      throw new ConnectionError(redactUrl(url), reason);
    }
    if (!response.ok) {
      const { code, message } = errorFromBody(response.status, response.statusText, text);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = { error: { code, message } };
      }
      throw new ApiError(response.status, code, message, request, body);
    }
    if (text.trim() === '') {
      return undefined;
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new InvalidResponseError(`${request}: the answer is not JSON`);
    }
  }
}
