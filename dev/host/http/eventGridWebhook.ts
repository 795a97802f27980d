import type { IncomingMessage, ServerResponse } from 'node:http';

import type { LoadedApp, LogSink } from '../worker';
import { HttpError, readBody, sendEmpty, sendJson } from './httpMessages';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Deepest nesting of objects and arrays an event may have. The Functions host reads events with Json.NET,
 * whose readers stop at 64 levels; Node's own `JSON.stringify` overflows the stack a few thousand levels
 * down, which would fail the delivery for good and make Event Grid redeliver it forever.
 */
export const MAX_EVENT_DEPTH = 64;

/** Whether `value` nests deeper than `limit`, measured without recursion so no depth can overflow it. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) {
      continue;
    }
    const depth = next.depth + 1;
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(next.value)) {
      pending.push({ value: child, depth });
    }
  }
  return false;
}

/** Why an event of a delivery cannot be handed to a function, or undefined when it can. */
function malformation(event: unknown): string | undefined {
  if (!isRecord(event)) {
    return 'it is not a JSON object';
  }
  if (nestsDeeperThan(event, MAX_EVENT_DEPTH)) {
    return `it nests deeper than ${MAX_EVENT_DEPTH} levels`;
  }
  return undefined;
}

/**
 * `POST /runtime/webhooks/eventgrid?functionName=…`, as the Event Grid extension serves it: the
 * subscription validation handshake, then one invocation per event in a delivered batch (Event Grid or
 * CloudEvents schema). Authentication is checked by the caller. A malformed event (not an object, or nested
 * too deep) is logged and dropped and the rest of the delivery goes on: answering a failure would only make
 * Event Grid deliver the same bad event again.
 */
export async function handleEventGridWebhook(
  app: LoadedApp,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  log: LogSink = () => undefined,
): Promise<void> {
  const functionName = url.searchParams.get('functionName');
  const info = functionName ? app.getFunction(functionName) : undefined;
  if (!functionName || !info || info.triggerType.toLowerCase() !== 'eventgridtrigger') {
    throw new HttpError(404, `cannot find function: '${functionName ?? ''}'`);
  }
  const method = (req.method ?? 'GET').toUpperCase();
  if (method === 'OPTIONS') {
    // CloudEvents 1.0 webhook abuse protection: echo the requesting origin back as allowed.
    const origin = req.headers['webhook-request-origin'];
    if (typeof origin !== 'string' || origin === '') {
      throw new HttpError(400, 'The WebHook-Request-Origin header is required');
    }
    sendEmpty(res, 200, { 'webhook-allowed-origin': origin, 'webhook-allowed-rate': '*', allow: 'POST' });
    return;
  }
  if (method !== 'POST') {
    throw new HttpError(405, `Method ${method} is not allowed`, false);
  }

  const text = (await readBody(req)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
  const events: unknown[] = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0) {
    throw new HttpError(400, 'The request body must be an event object or a non-empty array of them');
  }
  const eventType = req.headers['aeg-event-type'];
  const looksLikeCloudEvents = events.every(
    (event) => isRecord(event) && typeof event.specversion === 'string',
  );

  if (eventType === 'SubscriptionValidation') {
    const first = events[0];
    const data = isRecord(first) ? first.data : undefined;
    const code = isRecord(data) ? data.validationCode : undefined;
    if (typeof code !== 'string') {
      throw new HttpError(400, 'The validation event carries no data.validationCode');
    }
    sendJson(res, 200, { validationResponse: code });
    return;
  }
  if (eventType === 'Unsubscribe') {
    sendEmpty(res, 202);
    return;
  }
  if (eventType !== 'Notification' && !(eventType === undefined && looksLikeCloudEvents)) {
    throw new HttpError(400, `Unsupported aeg-event-type '${String(eventType)}'`);
  }

  let failure: unknown;
  for (const [index, event] of events.entries()) {
    const problem = malformation(event);
    if (problem !== undefined) {
      log({
        level: 'warning',
        category: 'system',
        functionName: info.name,
        message: `Dropped event ${index} of an Event Grid delivery to ${info.name}: ${problem}`,
      });
      continue;
    }
    try {
      await app.invoke(info.name, { json: JSON.stringify(event) });
    } catch (error) {
      // Every event is still delivered; one failure makes the whole delivery fail so Event Grid retries.
      failure ??= error;
    }
  }
  if (failure !== undefined) {
    const message = failure instanceof Error ? failure.message : JSON.stringify(failure);
    throw new HttpError(500, `Exception while executing function: ${info.name}: ${message}`);
  }
  sendEmpty(res, 202);
}
