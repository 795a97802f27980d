import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CopyDocument } from '../../../src/cli/copyDocument';

/**
 * A loopback HTTP server speaking the documented copy API (`/api/copies…`), standing in for the app until
 * the copy engine exists. Each copy follows a script: every `GET /api/copies/{id}` serves the next state
 * and then stays on the last, so a watch sees progress without any clock.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface ScriptedCopy {
  states: CopyDocument[];
  served: number;
}

interface InjectedAnswer {
  method: string;
  path: string;
  status: number;
  body: string;
}

export const subscription = '00000000-0000-0000-0000-000000000001';
export const collectionId = `/subscriptions/${subscription}/resourceGroups/rg-app/providers/Microsoft.Compute/restorePointCollections/rpc-app`;

export function restorePointId(name: string): string {
  return `${collectionId}/restorePoints/${name}`;
}

export function diskId(restorePoint: string, disk: string): string {
  return `${restorePoint}/diskRestorePoints/${disk}`;
}

const endedStatuses = new Set(['Succeeded', 'Failed', 'TimedOut', 'Canceled', 'Skipped']);

export class FakeCopyApi {
  readonly requests: RecordedRequest[] = [];
  /** Regions used when `POST /api/copies` names none, like the app's policy. */
  policyRegions = ['westus2', 'centralus'];
  /** How pages point to the next: both ways like the app, only a link, or a link to another host. */
  pagingStyle: 'token-and-link' | 'link' | 'foreign-link' = 'token-and-link';
  /** Page size when `top` is not given. */
  defaultPageSize = 50;
  private readonly copies = new Map<string, ScriptedCopy>();
  private readonly answers: InjectedAnswer[] = [];
  private readonly server = createServer((request, response) => {
    // A bug in the fake answers 500 at once instead of leaving the CLI waiting for its request timeout.
    this.handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`fake copy API failed: ${String(error)}`);
    });
  });
  private origin = '';

  /** @param key when set, every request must carry it in `x-functions-key`, as with auth level `function`. */
  constructor(private readonly key?: string) {}

  get url(): string {
    return this.origin;
  }

  /** @param port 0 for a free one; a given port lets a test bring the API back where a client expects it. */
  async start(port = 0): Promise<this> {
    this.server.listen(port, '127.0.0.1');
    await once(this.server, 'listening');
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  /** Adds a copy whose `GET` answers walk through `states`. */
  addCopy(...states: CopyDocument[]): void {
    const first = states[0];
    if (first === undefined) {
      throw new Error('a scripted copy needs at least one state');
    }
    this.copies.set(first.id, { states, served: 0 });
  }

  /** The state the next `GET /api/copies/{id}` will serve. */
  current(id: string): CopyDocument | undefined {
    const copy = this.copies.get(id);
    return copy ? copy.states[Math.min(copy.served, copy.states.length - 1)] : undefined;
  }

  /** Makes the next request to `method path` answer `status` with `body` (raw text) instead of the script. */
  answerNext(method: string, path: string, status: number, body = ''): void {
    this.answers.push({ method, path, status, body });
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) {
      chunks.push(chunk as Buffer);
    }
    const url = new URL(request.url ?? '/', this.origin);
    const recorded: RecordedRequest = {
      method: request.method ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: request.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    this.requests.push(recorded);
    const send = (status: number, body?: unknown): void => {
      response.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      response.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const error = (status: number, code: string, message: string): void =>
      send(status, { error: { code, message } });

    if (this.key !== undefined && request.headers['x-functions-key'] !== this.key) {
      send(401);
      return;
    }
    const answer = this.answers.findIndex((f) => f.method === recorded.method && f.path === recorded.path);
    if (answer >= 0) {
      const [injected] = this.answers.splice(answer, 1);
      response.writeHead(injected?.status ?? 500, { 'content-type': 'text/plain' });
      response.end(injected?.body);
      return;
    }

    const copyMatch = /^\/api\/copies\/([^/]+)(\/cancel)?$/.exec(url.pathname);
    if (recorded.method === 'POST' && url.pathname === '/api/copies') {
      this.createCopies(recorded.body, send, error);
    } else if (recorded.method === 'GET' && url.pathname === '/api/copies') {
      this.listCopies(url.searchParams, send, error);
    } else if (copyMatch && recorded.method === 'GET' && copyMatch[2] === undefined) {
      const copy = this.copies.get(decodeURIComponent(copyMatch[1] ?? ''));
      if (!copy) {
        return error(404, 'CopyNotFound', `No copy with id '${copyMatch[1] ?? ''}'.`);
      }
      const state = copy.states[Math.min(copy.served, copy.states.length - 1)];
      copy.served += 1;
      send(200, state);
    } else if (copyMatch && recorded.method === 'POST' && copyMatch[2] === '/cancel') {
      const id = decodeURIComponent(copyMatch[1] ?? '');
      const state = this.current(id);
      if (!state) {
        return error(404, 'CopyNotFound', `No copy with id '${id}'.`);
      }
      if (endedStatuses.has(state.status)) {
        return error(409, 'CopyEnded', `Copy '${id}' has already ended (${state.status}).`);
      }
      // Like the app: the copy stops later, so the answer is the document as it was.
      const canceled: CopyDocument = { ...state, status: 'Canceled', completedAt: '2026-11-25T18:00:00Z' };
      this.copies.set(id, { states: [canceled], served: 0 });
      send(202, state);
    } else {
      send(404);
    }
  }

  private createCopies(
    body: string,
    send: (status: number, body?: unknown) => void,
    error: (status: number, code: string, message: string) => void,
  ): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return error(400, 'InvalidJson', 'The request body is not JSON.');
    }
    const request = parsed as { sourceRestorePointId?: unknown; targetRegions?: unknown };
    if (
      typeof request.sourceRestorePointId !== 'string' ||
      !request.sourceRestorePointId.includes('/restorePoints/')
    ) {
      return error(
        400,
        'InvalidSourceRestorePointId',
        'sourceRestorePointId must be a restore point ARM id.',
      );
    }
    const source = request.sourceRestorePointId;
    const regions = Array.isArray(request.targetRegions)
      ? (request.targetRegions as string[])
      : this.policyRegions;
    if (regions.includes('eastus')) {
      return error(400, 'TargetRegionIsSource', 'The target region eastus is the source region.');
    }
    const name = source.split('/').at(-1) ?? 'rp';
    const copies = regions.map((region) => {
      const id = `${name}-${region}`;
      if (!this.copies.has(id)) {
        this.addCopy({
          id,
          status: 'Queued',
          sourceRestorePointId: source,
          sourceRegion: 'eastus',
          targetRegion: region,
          createdAt: '2026-11-25T17:00:00Z',
        });
      }
      const state = this.current(id);
      return {
        id,
        sourceRestorePointId: source,
        targetRegion: region,
        targetRestorePointId: `/subscriptions/${subscription}/resourceGroups/rg-app-${region}/providers/Microsoft.Compute/restorePointCollections/rpc-app-${region}/restorePoints/${name}`,
        status: state?.status ?? 'Queued',
        statusUrl: `${this.origin}/api/copies/${id}`,
      };
    });
    send(202, { copies });
  }

  private listCopies(
    query: URLSearchParams,
    send: (status: number, body?: unknown) => void,
    error: (status: number, code: string, message: string) => void,
  ): void {
    const top = Number(query.get('top') ?? this.defaultPageSize);
    const offset = Number(query.get('continuationToken') ?? '0');
    if (!Number.isInteger(top) || top < 1 || !Number.isInteger(offset) || offset < 0) {
      return error(400, 'InvalidPaging', 'top and continuationToken must be whole numbers.');
    }
    const matching = [...this.copies.keys()]
      .map((id) => this.current(id))
      .filter((copy): copy is CopyDocument => copy !== undefined)
      .filter((copy) => !query.has('status') || (query.get('status') ?? '').split(',').includes(copy.status))
      .filter((copy) => !query.has('targetRegion') || copy.targetRegion === query.get('targetRegion'))
      .filter(
        (copy) =>
          !query.has('sourceRestorePointId') ||
          copy.sourceRestorePointId === query.get('sourceRestorePointId'),
      );
    const page = matching.slice(offset, offset + top);
    const next = offset + top < matching.length ? String(offset + top) : undefined;
    const nextQuery = new URLSearchParams({ ...Object.fromEntries(query), continuationToken: next ?? '' });
    const origin = this.pagingStyle === 'foreign-link' ? 'http://elsewhere.invalid' : this.origin;
    const nextLink = next !== undefined ? `${origin}/api/copies?${nextQuery.toString()}` : null;
    const continuationToken = this.pagingStyle === 'token-and-link' ? (next ?? null) : null;
    send(200, { copies: page, continuationToken, nextLink });
  }
}
