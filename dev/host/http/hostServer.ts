import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

import type { Clock } from '../../clock';
import type { TimerTriggers } from '../timers/timerTriggers';
import type { FunctionInfo, LoadedApp, LogSink } from '../worker';
import { handleEventGridWebhook } from './eventGridWebhook';
import type { HostKeys } from './hostKeys';
import {
  flatHeaders,
  flatQuery,
  HttpError,
  readBody,
  requestOrigin,
  sendEmpty,
  sendError,
  sendJson,
  writeRpcHttpResponse,
} from './httpMessages';
import type { ManagementApi } from './managementApi';
import { compareRoutePrecedence, RouteTemplate } from './routeTemplate';

export type AuthLevel = 'anonymous' | 'function' | 'admin';

interface HttpRoute {
  info: FunctionInfo;
  template: RouteTemplate;
  /** Upper-case methods, or undefined for any method. */
  methods: Set<string> | undefined;
  authLevel: AuthLevel;
}

export interface HostServerContext {
  app: LoadedApp;
  keys: HostKeys;
  clock: Clock;
  log: LogSink;
  management: ManagementApi;
  timers: TimerTriggers;
  /** The host's own origin, e.g. `http://127.0.0.1:7071`. */
  origin: () => string;
  /** Told about every finished request (request line as received, response status). */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface RequestLogEntry {
  /** `main` for the front door, `rpc` for the local RPC listener. */
  listener: 'main' | 'rpc';
  method: string;
  /** Path and query as received. */
  url: string;
  contentType: string;
  status: number;
}

const DURABLE_BASE = '/runtime/webhooks/durabletask';
const RPC_BASE = '/durabletask';

function keysEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The key a caller presented: `code` in the query or the `x-functions-key` header, as on Azure. */
function presentedKey(req: IncomingMessage, url: URL): string | undefined {
  const header = req.headers['x-functions-key'];
  if (typeof header === 'string' && header !== '') {
    return header;
  }
  const code = url.searchParams.get('code');
  return code === null || code === '' ? undefined : code;
}

function parseAuthLevel(info: FunctionInfo): AuthLevel {
  const raw = info.trigger.authLevel;
  // The HTTP trigger's default authorization level is `function`.
  if (raw === undefined || raw === null) {
    return 'function';
  }
  const level = typeof raw === 'string' ? raw.toLowerCase() : JSON.stringify(raw);
  if (level === 'anonymous' || level === 'function' || level === 'admin') {
    return level;
  }
  throw new Error(`Function ${info.name} has an unknown authLevel ${JSON.stringify(raw)}`);
}

function startsWithSegment(path: string, base: string): boolean {
  const lower = path.toLowerCase();
  return lower === base || lower.startsWith(`${base}/`);
}

/** Routes requests to HTTP triggers, the Event Grid webhook, the admin API and the Durable API. */
export class HostServer {
  private readonly routes: HttpRoute[];
  private readonly routePrefix: string;

  constructor(private readonly ctx: HostServerContext) {
    this.routePrefix = ctx.app.hostJson.routePrefix;
    this.routes = [...ctx.app.registry.values()]
      .filter((info) => info.triggerType.toLowerCase() === 'httptrigger')
      .map((info) => {
        const route =
          typeof info.trigger.route === 'string' && info.trigger.route !== ''
            ? info.trigger.route
            : info.name;
        const methods = Array.isArray(info.trigger.methods)
          ? new Set((info.trigger.methods as unknown[]).map((m) => String(m).toUpperCase()))
          : undefined;
        return { info, template: new RouteTemplate(route), methods, authLevel: parseAuthLevel(info) };
      })
      .sort((a, b) => compareRoutePrecedence(a.template, b.template));
  }

  /** The URL of each HTTP function, as `func start` lists them. */
  describeRoutes(): { name: string; methods: string[]; url: string; authLevel: AuthLevel }[] {
    return this.routes.map((route) => ({
      name: route.info.name,
      methods: route.methods ? [...route.methods] : ['ANY'],
      url: `${this.ctx.origin()}/${[this.routePrefix, route.template.template.replace(/^\/+/, '')].filter((p) => p !== '').join('/')}`,
      authLevel: route.authLevel,
    }));
  }

  /** Node `request` listener. In-flight work is tracked on the clock, except waits that sleep on it. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    this.observe('main', req, res);
    const handled = this.ctx.clock.track(this.dispatch(req, res)).then(
      () => this.ctx.management.takeWaitTail(res)?.(),
      (error: unknown) => this.fail(res, error),
    );
    void handled.catch((error: unknown) => this.fail(res, error));
  };

  /**
   * Listener for the extension's local RPC endpoint (`rpcBaseUrl` mode): only the management routes,
   * unauthenticated like the real loopback-only listener.
   */
  readonly rpcListener = (req: IncomingMessage, res: ServerResponse): void => {
    this.observe('rpc', req, res);
    const work = async (): Promise<void> => {
      const url = new URL(req.url ?? '/', this.ctx.origin());
      if (!startsWithSegment(url.pathname, RPC_BASE)) {
        throw new HttpError(404, 'Not found', false);
      }
      await this.ctx.management.handle(req, res, url, url.pathname.slice(RPC_BASE.length));
    };
    const handled = this.ctx.clock.track(work()).then(
      () => this.ctx.management.takeWaitTail(res)?.(),
      (error: unknown) => this.fail(res, error),
    );
    void handled.catch((error: unknown) => this.fail(res, error));
  };

  private observe(listener: 'main' | 'rpc', req: IncomingMessage, res: ServerResponse): void {
    const onRequest = this.ctx.onRequest;
    if (!onRequest) {
      return;
    }
    res.once('finish', () =>
      onRequest({
        listener,
        method: req.method ?? '',
        url: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        status: res.statusCode,
      }),
    );
  }

  private fail(res: ServerResponse, error: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof HttpError) {
      sendError(res, error);
      return;
    }
    this.ctx.log({
      level: 'error',
      category: 'system',
      message: `Unhandled host error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    });
    sendEmpty(res, 500);
  }

  private authorize(req: IncomingMessage, url: URL, accepted: (string | undefined)[]): void {
    const key = presentedKey(req, url);
    if (
      key === undefined ||
      !accepted.some((expected) => expected !== undefined && keysEqual(key, expected))
    ) {
      throw new HttpError(401, 'Unauthorized', false);
    }
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.ctx.origin());
    const path = url.pathname;
    const { keys } = this.ctx;

    if (startsWithSegment(path, DURABLE_BASE)) {
      this.authorize(req, url, [keys.durableTask, keys.master]);
      await this.ctx.management.handle(req, res, url, path.slice(DURABLE_BASE.length));
      return;
    }
    if (path.toLowerCase() === '/runtime/webhooks/eventgrid') {
      this.authorize(req, url, [keys.eventGrid, keys.master]);
      await handleEventGridWebhook(this.ctx.app, req, res, url, this.ctx.log);
      return;
    }
    if (startsWithSegment(path, '/admin')) {
      this.authorize(req, url, [keys.master]);
      await this.admin(req, res, url);
      return;
    }
    if (path === '/' && this.routePrefix !== '') {
      sendJson(res, 200, { state: 'Running', message: 'The dev host is up and running.' });
      return;
    }
    await this.httpTrigger(req, res, url);
  }

  private async admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const segments = url.pathname.split('/').filter((s) => s !== '');
    const method = (req.method ?? 'GET').toUpperCase();
    if (segments.length === 3 && segments[1]?.toLowerCase() === 'functions' && method === 'POST') {
      await this.adminInvoke(req, res, decodeURIComponent(segments[2] ?? ''));
      return;
    }
    if (
      segments.length === 3 &&
      segments[1]?.toLowerCase() === 'host' &&
      segments[2] === 'status' &&
      method === 'GET'
    ) {
      sendJson(res, 200, { state: 'Running' });
      return;
    }
    throw new HttpError(404, 'Not found', false);
  }

  /** `POST /admin/functions/{name}` with `{"input": "…"}`: runs a non-HTTP function, answering 202 at once. */
  private async adminInvoke(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const info = this.ctx.app.getFunction(name);
    if (!info) {
      throw new HttpError(404, `Function '${name}' not found`, false);
    }
    const text = (await readBody(req)).toString('utf8');
    let input: unknown;
    if (text.trim() !== '') {
      try {
        input = (JSON.parse(text) as { input?: unknown }).input;
      } catch {
        throw new HttpError(400, 'The request body must be JSON like {"input": "…"}');
      }
    }
    const trigger = info.triggerType.toLowerCase();
    if (trigger === 'httptrigger') {
      throw new HttpError(400, `Function '${info.name}' is HTTP-triggered; call its route instead`);
    }
    if (trigger === 'orchestrationtrigger' || trigger === 'activitytrigger' || trigger === 'entitytrigger') {
      // These are driven by the Durable extension with its own payloads, never by a bare string.
      throw new HttpError(
        400,
        `Function '${info.name}' is a Durable ${info.triggerType}; use the Durable HTTP API`,
      );
    }
    let run: () => Promise<unknown>;
    if (trigger === 'timertrigger') {
      run = () => this.ctx.timers.fire(info.name);
    } else {
      const inputText =
        input === undefined || input === null
          ? ''
          : typeof input === 'string'
            ? input
            : JSON.stringify(input);
      run = () => this.ctx.app.invoke(info.name, { string: inputText });
    }
    // The host runs the function in the background and answers 202 straight away.
    void this.ctx.clock.track(run()).catch((error: unknown) => {
      this.ctx.log({
        level: 'error',
        category: 'system',
        functionName: info.name,
        message: `Executed '${info.name}' (Failed): ${error instanceof Error ? error.message : String(error)}`,
      });
    });
    sendEmpty(res, 202);
  }

  private async httpTrigger(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let path = url.pathname;
    if (this.routePrefix !== '') {
      const base = `/${this.routePrefix.toLowerCase()}`;
      if (!startsWithSegment(path, base)) {
        throw new HttpError(404, 'Not found', false);
      }
      path = path.slice(base.length);
    }
    const method = (req.method ?? 'GET').toUpperCase();
    let matched: { route: HttpRoute; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      const params = route.template.match(path);
      // A method the function does not accept does not match the route at all: the host answers 404.
      if (params && (!route.methods || route.methods.has(method))) {
        matched = { route, params };
        break;
      }
    }
    if (!matched) {
      throw new HttpError(404, 'Not found', false);
    }
    const { route, params } = matched;
    if (route.authLevel === 'function') {
      this.authorize(req, url, [this.ctx.keys.function, this.ctx.keys.master]);
    }
    if (route.authLevel === 'admin') {
      this.authorize(req, url, [this.ctx.keys.master]);
    }

    const body = await readBody(req);
    // The function sees the URL the caller used (its Host header), as behind the real front end.
    const requestUrl = new URL(`${url.pathname}${url.search}`, requestOrigin(req, this.ctx.origin())).href;
    const response = await this.ctx.app
      .invoke(route.info.name, {
        http: {
          method,
          url: requestUrl,
          headers: flatHeaders(req),
          query: flatQuery(url),
          params,
          ...(body.length > 0 ? { body: { bytes: body } } : {}),
        },
      })
      .catch((error: unknown) => {
        this.ctx.log({
          level: 'error',
          category: 'system',
          functionName: route.info.name,
          message: `Executed '${route.info.name}' (Failed): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        });
        // The host hides the exception from the caller.
        throw new HttpError(500, 'Internal Server Error', false);
      });
    writeRpcHttpResponse(res, response.returnValue?.http);
  }
}
