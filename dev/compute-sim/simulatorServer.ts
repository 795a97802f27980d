import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock';
import { ArmError } from './armError';
import type { FaultPlan } from './faultPlan';
import type { ArmRequest, ArmResponse, ComputeModel } from './computeModel';
import { createRoutes, matchOperation, route } from './router';
import type { StateChanges } from './stateJournal';
import type { TokenBucketState } from './stateStore';
import { takeReadToken } from './throttle';
import type { TlsMaterial } from './tlsMaterial';
import type { ReadBudget, RequestLogEntry } from './types';

export const LATEST_API_VERSION = '2026-04-01';
/** Cross-region copy arrived in 2021-03-01; older versions cannot express it. */
export const EARLIEST_API_VERSION = '2021-03-01';

export function checkApiVersion(value: string | null): string {
  if (value === null || value.trim() === '') {
    throw new ArmError(
      400,
      'MissingApiVersionParameter',
      'The api-version query parameter (?api-version=) is required for all requests. Use api-version=2026-04-01.',
    );
  }
  const match = /^(\d{4}-\d{2}-\d{2})(-preview)?$/.exec(value);
  const date = match?.[1];
  if (!date || date < EARLIEST_API_VERSION || date > LATEST_API_VERSION) {
    throw new ArmError(
      400,
      'InvalidApiVersionParameter',
      `The api-version '${value}' is invalid. The supported versions are dates from '${EARLIEST_API_VERSION}' to '${LATEST_API_VERSION}'.`,
    );
  }
  return value;
}

export interface ServerDependencies {
  clock: Clock;
  model: ComputeModel;
  faults: FaultPlan;
  readBudget: ReadBudget;
  readBuckets: Record<string, TokenBucketState>;
  /** Told of each bucket spent; saved with the next change, as a read alone is not worth a write. */
  changes: StateChanges;
  requestLog: RequestLogEntry[];
  tls: TlsMaterial | undefined;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** ARM query parameter names are case-insensitive (`$skipToken`, `$skiptoken`). */
function queryParameter(params: URLSearchParams, name: string): string | undefined {
  for (const [key, value] of params) {
    if (key.toLowerCase() === name.toLowerCase()) {
      return value;
    }
  }
  return undefined;
}

function realDelay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function createSimulatorServer(deps: ServerDependencies): Server {
  const routes = createRoutes(deps.model);
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    deps.clock.track(handle(deps, routes, request, response)).catch(() => {
      // Anything that escapes the handler's own error replies must not take the process down.
      if (!response.headersSent) {
        response.writeHead(500, { 'content-length': '0' });
      }
      response.end();
    });
  };
  return deps.tls
    ? createHttpsServer({ key: deps.tls.key, cert: deps.tls.cert }, handler)
    : createHttpServer(handler);
}

async function handle(
  deps: ServerDependencies,
  routes: ReturnType<typeof createRoutes>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const method = (request.method ?? 'GET').toUpperCase();
  const address = request.socket.localAddress === '::1' ? '[::1]' : '127.0.0.1';
  const port = (request.socket.address() as AddressInfo).port;
  const origin = `${deps.tls ? 'https' : 'http'}://${address}:${port}`;
  const url = new URL(request.url ?? '/', origin);
  const segments = url.pathname.split('/').filter((segment) => segment !== '');
  const subscriptionId = segments[0]?.toLowerCase() === 'subscriptions' ? segments[1] : undefined;
  const client = request.headers['x-rpcopy-client']?.toString();
  const entry: RequestLogEntry = {
    method,
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    status: 0,
    time: deps.clock.now(),
    ...(subscriptionId ? { subscriptionId } : {}),
    ...(client ? { client } : {}),
  };
  deps.requestLog.push(entry);
  const correlationId = request.headers['x-ms-correlation-request-id']?.toString() ?? randomUUID();
  const send = (result: ArmResponse): void => {
    entry.status = result.status;
    const headers: Record<string, string> = {
      // The simulator's clock, as ARM sends its own: a virtual clock reaches the client through it.
      date: new Date(deps.clock.now()).toUTCString(),
      'x-ms-request-id': randomUUID(),
      'x-ms-correlation-request-id': correlationId,
      ...result.headers,
    };
    if (result.body !== undefined) {
      const text = JSON.stringify(result.body);
      response.writeHead(result.status, { ...headers, 'content-type': 'application/json; charset=utf-8' });
      response.end(text);
    } else {
      response.writeHead(result.status, { ...headers, 'content-length': '0' });
      response.end();
    }
  };
  const sendError = (error: ArmError): void => {
    entry.errorCode = error.code;
    send({ status: error.status, body: error.toBody(), headers: error.extra.headers ?? {} });
  };

  let rawBody: string;
  try {
    rawBody = await readBody(request);
  } catch {
    entry.status = 0;
    return;
  }

  const fault = deps.faults.forRequest(method, url.pathname, deps.clock.now());
  if (fault) {
    entry.fault = fault.type;
    switch (fault.type) {
      case 'drop':
        request.socket.destroy();
        return;
      case 'latency':
        await realDelay(fault.ms);
        break;
      case 'throttle':
        sendError(
          new ArmError(
            429,
            'TooManyRequests',
            `Injected throttling. Retry after ${fault.retryAfterSeconds} seconds.`,
            {
              headers: { 'retry-after': String(fault.retryAfterSeconds) },
            },
          ),
        );
        return;
      case 'refuse':
        sendError(
          new ArmError(
            fault.status,
            fault.code ?? 'OperationNotAllowed',
            fault.message ?? 'Injected refusal: the platform does not accept this operation now.',
          ),
        );
        return;
      case 'status':
        sendError(
          new ArmError(
            fault.status,
            fault.code ?? (fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError'),
            `Injected fault: the service answered ${fault.status}. Retry the request.`,
            {
              ...(fault.retryAfterSeconds !== undefined
                ? { headers: { 'retry-after': String(fault.retryAfterSeconds) } }
                : {}),
            },
          ),
        );
        return;
    }
  }

  try {
    const authorization = request.headers.authorization;
    if (!authorization || !/^Bearer\s+\S+/i.test(authorization)) {
      throw new ArmError(
        401,
        'AuthenticationFailed',
        "Authentication failed. The 'Authorization' header is missing or is not a Bearer token.",
      );
    }
    const apiVersion = checkApiVersion(url.searchParams.get('api-version'));
    let readHeaders: Record<string, string> = {};
    if (method === 'GET' && subscriptionId) {
      const key = subscriptionId.toLowerCase();
      const { bucket, result } = takeReadToken(deps.readBuckets[key], deps.readBudget, deps.clock.now());
      deps.readBuckets[key] = bucket;
      deps.changes.changed('readBuckets', key);
      if (!result.allowed) {
        throw new ArmError(
          429,
          'TooManyRequests',
          `Number of read requests for subscription '${subscriptionId}' exceeded the limit. Please try again after '${result.retryAfterSeconds}' seconds.`,
          {
            headers: {
              'retry-after': String(result.retryAfterSeconds),
              'x-ms-ratelimit-remaining-subscription-reads': '0',
            },
            details: [
              { code: 'SubscriptionRequestsThrottled', message: 'Subscription read budget exhausted.' },
            ],
          },
        );
      }
      readHeaders = { 'x-ms-ratelimit-remaining-subscription-reads': String(result.remaining) };
    }
    let body: unknown;
    if (rawBody.trim() !== '') {
      try {
        body = JSON.parse(rawBody) as unknown;
      } catch {
        throw new ArmError(400, 'InvalidRequestContent', 'The request content is not valid JSON.');
      }
    }
    const armRequest: ArmRequest = {
      method,
      body,
      origin,
      apiVersion,
      correlationId,
      expand: url.searchParams.get('$expand') ?? undefined,
      path: url.pathname,
      skipToken: queryParameter(url.searchParams, '$skipToken'),
    };
    const operation = matchOperation(url.pathname);
    const result = operation
      ? method === 'GET'
        ? deps.model.getOperation(
            operation.subscriptionId,
            operation.operationId,
            url.searchParams.get('monitor') === 'true',
          )
        : (() => {
            throw new ArmError(405, 'MethodNotAllowed', `Operation status supports GET only, not ${method}.`);
          })()
      : route(routes, method, url.pathname, armRequest);
    send({ ...result, headers: { ...readHeaders, ...result.headers } });
  } catch (error) {
    if (error instanceof ArmError) {
      sendError(error);
    } else {
      const message = error instanceof Error ? error.message : String(error);
      sendError(
        new ArmError(500, 'InternalServerError', `The simulator failed to handle the request: ${message}`),
      );
    }
  }
}
