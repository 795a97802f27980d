import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import type { Clock } from '../../clock';
import {
  EngineError,
  type DurableEngine,
  type FunctionInvoker,
  type InstanceStatus,
  type ListInstancesQuery,
  type ListEntitiesQuery,
  type PurgeQuery,
  type RuntimeStatus,
} from '../contract';
import { buildDurableClientPayload } from '../worker';
import { HttpError, readBody, requestOrigin, sendEmpty, sendJson } from './httpMessages';

const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Pending',
  'Suspended',
];
const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Canceled', 'Terminated']);
/** getStatus answers 202 (still working, poll again) for these. */
const IN_PROGRESS: ReadonlySet<RuntimeStatus> = new Set([
  'Running',
  'Pending',
  'ContinuedAsNew',
  'Suspended',
]);

export interface ManagementApiContext {
  engine: DurableEngine;
  invoker: FunctionInvoker;
  clock: Clock;
  /** Origin used in the check-status payloads (the host's own base URL). */
  origin: () => string;
  taskHubName: string;
  durableTaskKey: string;
}

/** Times without fractional seconds, as the real API formats them (`s` format + `Z`). */
function wholeSeconds(time: string): string {
  return time.replace(/\.\d+(?=Z|[+-]\d\d:?\d\d$)/, '');
}

/** The status document with explicit nulls: DurableOrchestrationStatus rejects undefined input/output. */
export function toStatusJson(status: InstanceStatus): Record<string, unknown> {
  const json: Record<string, unknown> = {
    name: status.name,
    instanceId: status.instanceId,
    ...(status.parentInstanceId === undefined ? {} : { parentInstanceId: status.parentInstanceId }),
    runtimeStatus: status.runtimeStatus,
    input: status.input ?? null,
    customStatus: status.customStatus ?? null,
    output: status.output ?? null,
    createdTime: wholeSeconds(status.createdTime),
    lastUpdatedTime: wholeSeconds(status.lastUpdatedTime),
  };
  if (status.historyEvents !== undefined) {
    json.historyEvents = status.historyEvents;
  }
  return json;
}

function engineErrorToHttp(error: unknown): never {
  if (error instanceof EngineError) {
    switch (error.code) {
      // The real API answers these two with an empty body (recorded in test/fixtures/real-durable).
      case 'not-found':
        throw new HttpError(404, error.message, false);
      case 'gone':
        throw new HttpError(410, error.message, false);
      case 'bad-request':
        throw new HttpError(400, error.message);
      case 'conflict':
        // The real API surfaces a duplicate running instance ID as an unhandled exception.
        throw new HttpError(500, error.message);
    }
  }
  throw error;
}

async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    return engineErrorToHttp(error);
  }
}

function parseBool(url: URL, name: string, fallback: boolean): boolean {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') {
    return fallback;
  }
  if (/^true$/i.test(raw)) {
    return true;
  }
  if (/^false$/i.test(raw)) {
    return false;
  }
  throw new HttpError(400, `Query parameter '${name}' must be true or false, got '${raw}'`);
}

function parseDate(url: URL, name: string): Date | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') {
    return undefined;
  }
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) {
    throw new HttpError(400, `Query parameter '${name}' is not a date: '${raw}'`);
  }
  return date;
}

function parseStatuses(url: URL): RuntimeStatus[] | undefined {
  const raw = url.searchParams.getAll('runtimeStatus').join(',');
  if (raw === '') {
    return undefined;
  }
  return raw.split(',').map((text) => {
    const name = RUNTIME_STATUSES.find((s) => s.toLowerCase() === text.trim().toLowerCase());
    if (!name) {
      throw new HttpError(400, `'${text}' is not a valid runtimeStatus`);
    }
    return name;
  });
}

function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Invalid JSON content in the request body');
  }
}

function segmentsOf(subPath: string): string[] {
  return subPath
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        throw new HttpError(400, `Malformed URL segment '${segment}'`);
      }
    });
}

const RESTART_UNKNOWN_STACK = [
  '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableClient.GetOrchestrationInstanceStateAsync(TaskHubClient client, String instanceId) in /_/src/WebJobs.Extensions.DurableTask/ContextImplementations/DurableClient.cs:line 821',
  '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableClient.GetOrchestrationInstanceStateAsync(String instanceId) in /_/src/WebJobs.Extensions.DurableTask/ContextImplementations/DurableClient.cs:line 808',
  '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableClient.RestartCoreAsync(String sourceInstanceId, String newInstanceId, String version) in /_/src/WebJobs.Extensions.DurableTask/ContextImplementations/DurableClient.cs:line 1298',
  '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.DurableClient.Microsoft.Azure.WebJobs.Extensions.DurableTask.IDurableOrchestrationClient.RestartAsync(String instanceId, Boolean restartWithNewInstanceId) in /_/src/WebJobs.Extensions.DurableTask/ContextImplementations/DurableClient.cs:line 1283',
  '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.HttpApiHandler.HandleRestartInstanceRequestAsync(HttpRequestMessage request, String instanceId, Boolean useOptions) in /_/src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs:line 1116',
].join('\n');

/**
 * The Durable HTTP API, route by route as the extension's `HttpApiHandler` answers it.
 * Why this file is longer than 400 lines: every route shares the same query parsing and the same mapping of
 * engine errors to the real status codes and bodies, which the conformance recordings hold it to; split by
 * route, those rules would be restated or scattered.
 */
export class ManagementApi {
  constructor(private readonly ctx: ManagementApiContext) {}

  /** The check-status payload (`createHttpManagementPayload`) for an instance. */
  checkStatusPayload(instanceId: string): Record<string, string> {
    const payload = buildDurableClientPayload({
      origin: this.ctx.origin(),
      taskHubName: this.ctx.taskHubName,
      key: this.ctx.durableTaskKey,
    });
    const id = encodeURIComponent(instanceId);
    const result: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload.managementUrls)) {
      result[name] = value.replaceAll('INSTANCEID', id);
    }
    result.id = instanceId;
    // The real start and restart responses carry no rewind link (test/fixtures/real-durable).
    delete result.rewindPostUri;
    return result;
  }

  private sendCheckStatus(res: ServerResponse, instanceId: string): void {
    const payload = this.checkStatusPayload(instanceId);
    sendJson(res, 202, payload, { location: payload.statusQueryGetUri ?? '', 'retry-after': '10' });
  }

  /**
   * Handles a request under the management base path. `subPath` is what follows it. Returns a promise
   * for the part of the work the clock must wait for, and, for start-and-wait, a separate tail that
   * sleeps on the clock and so must not be tracked.
   */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL, subPath: string): Promise<void> {
    const segments = segmentsOf(subPath);
    const method = (req.method ?? 'GET').toUpperCase();
    const [head, id, action, extra, ...rest] = segments;
    const headLower = head?.toLowerCase();

    if (headLower === 'orchestrators' && method === 'POST' && id !== undefined && extra === undefined) {
      await this.start(req, res, url, id, action);
      return;
    }
    if (headLower === 'instances') {
      if (id === undefined) {
        if (method === 'GET') {
          return this.list(req, res, url);
        }
        if (method === 'DELETE') {
          return this.purgeBy(res, url);
        }
      } else if (action === undefined) {
        if (method === 'GET') {
          return this.status(req, res, url, id);
        }
        if (method === 'DELETE') {
          return this.purgeOne(res, id);
        }
      } else if (method === 'POST') {
        const op = action.toLowerCase();
        if (op === 'raiseevent' && extra !== undefined && rest.length === 0) {
          return this.raiseEvent(req, res, id, extra);
        }
        if (extra === undefined) {
          const reason = url.searchParams.get('reason') ?? '';
          switch (op) {
            case 'terminate':
              await call(() => this.ctx.engine.terminate(id, reason));
              return sendEmpty(res, 202);
            case 'suspend':
              await call(() => this.ctx.engine.suspend(id, reason));
              return sendEmpty(res, 202);
            case 'resume':
              await call(() => this.ctx.engine.resume(id, reason));
              return sendEmpty(res, 202);
            case 'restart':
              return this.restart(res, url, id);
            case 'rewind':
              throw new HttpError(501, 'Rewind is not supported by the dev host');
            default:
              break;
          }
        }
      }
    }
    if (headLower === 'entities' && extra === undefined) {
      return this.entities(req, res, url, method, id, action);
    }
    throw new HttpError(404, `No Durable management route for ${method} ${url.pathname}`, false);
  }

  /** `entities/{entityName?}/{entityKey?}` (`HttpApiHandler`): read, list, or signal. */
  private async entities(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    method: string,
    name: string | undefined,
    key: string | undefined,
  ): Promise<void> {
    if (method === 'GET') {
      if (key !== undefined && key !== '') {
        // `$` stands for the empty key, which a URL segment cannot carry.
        const entity = { name: name ?? '', key: key === '$' ? '' : key };
        const response = await call(() => this.ctx.engine.readEntityState(entity));
        if (!response.entityExists) {
          sendEmpty(res, 404);
          return;
        }
        sendJson(res, 200, response.entityState ?? null);
        return;
      }
      return this.listEntities(req, res, url, name);
    }
    if (method !== 'POST' && method !== 'DELETE') {
      throw new HttpError(404, `No Durable management route for ${method} ${url.pathname}`, false);
    }
    const entity = { name: name ?? '', key: key ?? '' };
    if (entity.name === '') {
      throw new HttpError(400, 'Invalid entity id: entity name must not be a null or empty string.');
    }
    const operation = method === 'DELETE' ? 'delete' : (url.searchParams.get('op') ?? '');
    const body = await readBody(req);
    let input: unknown;
    if (body.length > 0) {
      const text = body.toString('utf8');
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (contentType === 'application/json') {
        try {
          input = JSON.parse(text) as unknown;
        } catch (error) {
          throw new HttpError(400, `Could not parse JSON content: ${(error as Error).message}`);
        }
      } else {
        input = text;
      }
    }
    await call(() => this.ctx.engine.signalEntity(entity, operation, input));
    sendEmpty(res, 202);
  }

  private async listEntities(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    name: string | undefined,
  ): Promise<void> {
    const query: ListEntitiesQuery = { fetchState: parseBool(url, 'fetchState', false) };
    if (name !== undefined && name !== '') {
      query.entityName = name;
    }
    const from = parseDate(url, 'lastOperationTimeFrom');
    const to = parseDate(url, 'lastOperationTimeTo');
    if (from) {
      query.lastOperationTimeFrom = from;
    }
    if (to) {
      query.lastOperationTimeTo = to;
    }
    const topRaw = url.searchParams.get('top');
    if (topRaw !== null && topRaw !== '') {
      const top = Number(topRaw);
      if (!Number.isInteger(top) || top <= 0) {
        throw new HttpError(400, `'top' must be a positive integer`);
      }
      query.pageSize = top;
    }
    const token = req.headers['x-ms-continuation-token'];
    const tokenText = Array.isArray(token) ? token[0] : token;
    if (tokenText && tokenText !== 'null') {
      query.continuationToken = tokenText;
    }
    const page = await call(() => this.ctx.engine.listEntities(query));
    const headers: Record<string, string> = {};
    if (page.continuationToken) {
      headers['x-ms-continuation-token'] = page.continuationToken;
    }
    sendJson(res, 200, page.entities, headers);
  }

  /** Tail of start-and-wait, run outside clock tracking because it sleeps on the clock. */
  private waitTails = new WeakMap<ServerResponse, () => Promise<void>>();

  takeWaitTail(res: ServerResponse): (() => Promise<void>) | undefined {
    const tail = this.waitTails.get(res);
    this.waitTails.delete(res);
    return tail;
  }

  private async start(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    name: string,
    instanceIdFromPath: string | undefined,
  ): Promise<void> {
    const input = parseJsonBody(await readBody(req));
    const options: { instanceId?: string; input?: unknown; version?: string } = {};
    if (instanceIdFromPath !== undefined) {
      options.instanceId = instanceIdFromPath;
    }
    if (input !== undefined) {
      options.input = input;
    }
    const version = url.searchParams.get('version');
    if (version) {
      options.version = version;
    }
    const instanceId = await call(() => this.ctx.engine.startNew(name, options));

    const timeoutRaw = url.searchParams.get('timeout');
    if (timeoutRaw === null) {
      this.sendCheckStatus(res, instanceId);
      return;
    }
    const timeoutMs = Number(timeoutRaw) * 1000;
    const intervalMs = Number(url.searchParams.get('pollingInterval') ?? '1') * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0 || !Number.isFinite(intervalMs) || intervalMs <= 0) {
      throw new HttpError(400, 'timeout and pollingInterval must be non-negative numbers of seconds');
    }
    this.waitTails.set(res, () => this.waitForCompletion(res, instanceId, timeoutMs, intervalMs));
  }

  private async waitForCompletion(
    res: ServerResponse,
    instanceId: string,
    timeoutMs: number,
    intervalMs: number,
  ): Promise<void> {
    const deadline = this.ctx.clock.now() + timeoutMs;
    for (;;) {
      const status = await this.ctx.engine.getStatus(instanceId, { showInput: false });
      if (status && TERMINAL.has(status.runtimeStatus)) {
        if (status.runtimeStatus === 'Completed') {
          sendJson(res, 200, status.output ?? null);
        } else {
          sendJson(res, 200, toStatusJson(status));
        }
        return;
      }
      const remaining = deadline - this.ctx.clock.now();
      if (remaining <= 0) {
        break;
      }
      await this.ctx.clock.sleep(Math.min(intervalMs, remaining));
    }
    this.sendCheckStatus(res, instanceId);
  }

  private async status(req: IncomingMessage, res: ServerResponse, url: URL, id: string): Promise<void> {
    const status = await this.ctx.engine.getStatus(id, {
      showHistory: parseBool(url, 'showHistory', false),
      showHistoryOutput: parseBool(url, 'showHistoryOutput', false),
      showInput: parseBool(url, 'showInput', true),
    });
    if (!status) {
      sendEmpty(res, 404);
      return;
    }
    const body = toStatusJson(status);
    if (status.runtimeStatus === 'Failed' && parseBool(url, 'returnInternalServerErrorOnFailure', false)) {
      sendJson(res, 500, body);
    } else if (IN_PROGRESS.has(status.runtimeStatus)) {
      sendJson(res, 202, body, {
        location: `${requestOrigin(req, this.ctx.origin())}${url.pathname}${url.search}`,
        'retry-after': '5',
      });
    } else {
      sendJson(res, 200, body);
    }
  }

  private async list(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    // The real API lists inputs unless asked not to (recorded in test/fixtures/real-durable).
    const query: ListInstancesQuery = { showInput: parseBool(url, 'showInput', true) };
    const from = parseDate(url, 'createdTimeFrom');
    const to = parseDate(url, 'createdTimeTo');
    const statuses = parseStatuses(url);
    const prefix = url.searchParams.get('instanceIdPrefix');
    const topRaw = url.searchParams.get('top');
    if (from) {
      query.createdTimeFrom = from;
    }
    if (to) {
      query.createdTimeTo = to;
    }
    if (statuses) {
      query.runtimeStatus = statuses;
    }
    if (prefix) {
      query.instanceIdPrefix = prefix;
    }
    if (topRaw !== null && topRaw !== '') {
      const top = Number(topRaw);
      if (!Number.isInteger(top) || top <= 0) {
        throw new HttpError(400, `'top' must be a positive integer`);
      }
      query.top = top;
    }
    const token = req.headers['x-ms-continuation-token'];
    const tokenText = Array.isArray(token) ? token[0] : token;
    // The client echoes whatever it got; an empty or "null" token means the first page.
    if (tokenText && tokenText !== 'null') {
      query.continuationToken = tokenText;
    }
    const page = await call(() => this.ctx.engine.listInstances(query));
    const headers: Record<string, string> = {};
    if (page.continuationToken) {
      headers['x-ms-continuation-token'] = page.continuationToken;
    }
    sendJson(res, 200, page.instances.map(toStatusJson), headers);
  }

  private async raiseEvent(
    req: IncomingMessage,
    res: ServerResponse,
    id: string,
    eventName: string,
  ): Promise<void> {
    const contentType = req.headers['content-type'] ?? '';
    const body = await readBody(req);
    if (!/^application\/json\b/i.test(contentType)) {
      throw new HttpError(400, 'Only application/json request content is supported');
    }
    const data = parseJsonBody(body);
    await call(() => this.ctx.engine.raiseEvent(id, eventName, data ?? null));
    sendEmpty(res, 202);
  }

  private async purgeOne(res: ServerResponse, id: string): Promise<void> {
    const deleted = await call(() => this.ctx.engine.purgeInstance(id));
    if (deleted === 0) {
      sendEmpty(res, 404);
      return;
    }
    sendJson(res, 200, { instancesDeleted: deleted });
  }

  private async purgeBy(res: ServerResponse, url: URL): Promise<void> {
    const from = parseDate(url, 'createdTimeFrom');
    if (!from) {
      throw new HttpError(400, "Query parameter 'createdTimeFrom' is required to purge instances");
    }
    const query: PurgeQuery = { createdTimeFrom: from };
    const to = parseDate(url, 'createdTimeTo');
    const statuses = parseStatuses(url);
    if (to) {
      query.createdTimeTo = to;
    }
    if (statuses) {
      query.runtimeStatus = statuses;
    }
    const deleted = await call(() => this.ctx.engine.purgeInstances(query));
    if (deleted === 0) {
      sendEmpty(res, 404);
      return;
    }
    sendJson(res, 200, { instancesDeleted: deleted });
  }

  private async restart(res: ServerResponse, url: URL, id: string): Promise<void> {
    const status = await this.ctx.engine.getStatus(id, { showInput: true });
    if (!status) {
      // The real API's answer, .NET stack included (extension 3.19.0, test/fixtures/real-durable).
      sendJson(res, 400, {
        Message: 'InstanceId does not match a valid orchestration instance.',
        ExceptionMessage: `No instance with ID '${id}' was found. (Parameter 'instanceId')`,
        ExceptionType: 'System.ArgumentException',
        StackTrace: RESTART_UNKNOWN_STACK,
      });
      return;
    }
    const newId = parseBool(url, 'restartWithNewInstanceId', true) ? randomUUID().replaceAll('-', '') : id;
    const options: { instanceId: string; input?: unknown } = { instanceId: newId };
    if (status.input !== null && status.input !== undefined) {
      options.input = status.input;
    }
    const started = await call(() => this.ctx.engine.startNew(status.name, options));
    this.sendCheckStatus(res, started);
  }
}
