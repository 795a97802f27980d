import { randomBytes, timingSafeEqual } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { BodyTooLargeError, readCappedBody } from '../cappedBody';
import type { Clock } from '../clock';

/**
 * A local stand-in for an Event Grid custom topic: it accepts what `@azure/eventgrid`'s
 * `EventGridPublisherClient` sends (a POST of an event batch to `/api/events?api-version=…` with the topic
 * key in `aeg-sas-key`), keeps every event, and serves them back as JSON at `GET /events` to callers that
 * present the same key (the events carry copy documents, which are not for everyone on the machine).
 */

export type ReceivedSchema = 'CloudEvents' | 'EventGrid';

/** One published event as the sink stored it. */
export interface ReceivedEvent {
  /** Clock time the batch was accepted (epoch ms). */
  receivedAt: number;
  schema: ReceivedSchema;
  /** The event exactly as published. */
  event: Record<string, unknown>;
}

export interface EventSinkOptions {
  /** Stamps `receivedAt` and tracks request handling so a virtual clock waits for it. */
  clock: Clock;
  /** 0 or undefined picks an ephemeral port. Always bound to 127.0.0.1. */
  port?: number;
  /** Topic key publishers must present. @default a random key */
  key?: string;
  /**
   * JSON-lines file holding every accepted event. Loaded at start when it exists and appended to before a
   * batch is acknowledged, so an acknowledged event survives a crash.
   */
  eventsFile?: string;
}

export interface EventSink {
  /** Base URL, e.g. `http://127.0.0.1:PORT`; the stored events are at `${url}/events`. */
  readonly url: string;
  /** What to configure as the publisher's topic endpoint: `${url}/api/events`. */
  readonly topicEndpoint: string;
  readonly key: string;
  /** Every accepted event, oldest first. */
  events(): readonly ReceivedEvent[];
  close(): Promise<void>;
}

/** Event Grid refuses publish requests over 1 MB. */
const MAX_BATCH_BYTES = 1024 * 1024;

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendError(response: ServerResponse, status: number, code: string, message: string): void {
  sendJson(response, status, { error: { code, message } });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keysMatch(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) {
    return false;
  }
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function presentedKey(request: IncomingMessage): string | undefined {
  const presented = request.headers['aeg-sas-key'];
  return typeof presented === 'string' ? presented : undefined;
}

const CLOUD_EVENT_REQUIRED = ['id', 'source', 'type'] as const;
const EVENT_GRID_REQUIRED = ['id', 'subject', 'eventType', 'dataVersion'] as const;

type Classified = { schema: ReceivedSchema } | { refusal: string };

/** Classifies one event, or explains why Event Grid would refuse the batch. */
function classify(event: unknown, index: number): Classified {
  if (!isRecord(event)) {
    return { refusal: `event ${index} is not a JSON object` };
  }
  const required = 'specversion' in event ? CLOUD_EVENT_REQUIRED : EVENT_GRID_REQUIRED;
  if ('specversion' in event && event.specversion !== '1.0') {
    return {
      refusal: `event ${index} has specversion ${JSON.stringify(event.specversion)}; only "1.0" is supported`,
    };
  }
  for (const field of required) {
    const value = event[field];
    if (typeof value !== 'string' || value === '') {
      return { refusal: `event ${index} is missing required string property '${field}'` };
    }
  }
  return { schema: 'specversion' in event ? 'CloudEvents' : 'EventGrid' };
}

function loadEvents(file: string): ReceivedEvent[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  // A crash mid-append leaves at most one torn last line, from a batch that was never acknowledged: cut it
  // off so the next append starts on a line of its own.
  const complete = text.lastIndexOf('\n') + 1;
  if (complete < text.length) {
    truncateSync(file, Buffer.byteLength(text.slice(0, complete)));
  }
  const events: ReceivedEvent[] = [];
  for (const line of text.slice(0, complete).split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    try {
      const parsed: unknown = JSON.parse(line);
      if (isRecord(parsed) && isRecord(parsed.event)) {
        events.push(parsed as unknown as ReceivedEvent);
      }
    } catch {
      // Unreadable line: skip it rather than refuse to start; the rest of the history stays served.
    }
  }
  return events;
}

export async function startEventSink(options: EventSinkOptions): Promise<EventSink> {
  const { clock, eventsFile } = options;
  const key = options.key ?? randomBytes(24).toString('base64url');
  const stored: ReceivedEvent[] = eventsFile ? loadEvents(eventsFile) : [];
  if (eventsFile) {
    mkdirSync(dirname(eventsFile), { recursive: true });
  }

  async function publish(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (!url.searchParams.get('api-version')) {
      sendError(response, 400, 'BadRequest', "The 'api-version' query parameter is required.");
      return;
    }
    if (!keysMatch(presentedKey(request), key)) {
      sendError(response, 401, 'Unauthorized', "The request must carry the topic key in 'aeg-sas-key'.");
      return;
    }
    let body: Buffer;
    try {
      // Paused, not dropped, past the limit: the publisher gets its 413 without the rest being read.
      body = await readCappedBody(request, { limitBytes: MAX_BATCH_BYTES, onOverflow: 'pause' });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        response.setHeader('connection', 'close');
        sendError(response, 413, 'RequestEntityTooLarge', 'A publish request is limited to 1 MB.');
        return;
      }
      throw error;
    }
    let batch: unknown;
    try {
      batch = JSON.parse(body.toString('utf8'));
    } catch {
      sendError(response, 400, 'BadRequest', 'The request body is not valid JSON.');
      return;
    }
    if (!Array.isArray(batch)) {
      sendError(response, 400, 'BadRequest', 'The request body must be a JSON array of events.');
      return;
    }
    const receivedAt = clock.now();
    const accepted: ReceivedEvent[] = [];
    for (const [index, event] of batch.entries()) {
      const classified = classify(event, index);
      if ('refusal' in classified) {
        sendError(response, 400, 'BadRequest', classified.refusal);
        return;
      }
      accepted.push({ receivedAt, schema: classified.schema, event: event as Record<string, unknown> });
    }
    if (eventsFile && accepted.length > 0) {
      appendFileSync(eventsFile, accepted.map((entry) => JSON.stringify(entry) + '\n').join(''));
    }
    stored.push(...accepted);
    response.writeHead(200, { 'content-length': 0 });
    response.end();
  }

  function list(request: IncomingMessage, response: ServerResponse, url: URL): void {
    if (!keysMatch(presentedKey(request), key)) {
      sendError(response, 401, 'Unauthorized', "Reading events needs the topic key in 'aeg-sas-key'.");
      return;
    }
    const type = url.searchParams.get('type');
    const subject = url.searchParams.get('subject');
    const matching = stored.filter((entry) => {
      const eventType = entry.event.type ?? entry.event.eventType;
      if (type !== null && eventType !== type) {
        return false;
      }
      if (subject !== null && String(entry.event.subject).toLowerCase() !== subject.toLowerCase()) {
        return false;
      }
      return true;
    });
    sendJson(
      response,
      200,
      matching.map((entry) => entry.event),
    );
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/api/events') {
      if (request.method !== 'POST') {
        response.setHeader('allow', 'POST');
        sendError(response, 405, 'MethodNotAllowed', 'Publish events with POST.');
        return;
      }
      await publish(request, response, url);
      return;
    }
    if (path === '/events') {
      if (request.method !== 'GET') {
        response.setHeader('allow', 'GET');
        sendError(response, 405, 'MethodNotAllowed', 'Read events with GET.');
        return;
      }
      list(request, response, url);
      return;
    }
    sendError(response, 404, 'NotFound', `No route for ${request.method ?? ''} ${url.pathname}.`);
  }

  const server = createServer((request, response) => {
    void clock.track(
      handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          sendError(response, 500, 'InternalServerError', error instanceof Error ? error.message : 'error');
        } else {
          response.destroy();
        }
      }),
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    topicEndpoint: `${url}/api/events`,
    key,
    events: () => stored,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
