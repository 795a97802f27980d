import type { IncomingMessage, ServerResponse } from 'node:http';

import type { LoadedApp } from '../worker';
import { HttpError, readBody, sendEmpty, sendJson } from './httpMessages';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `POST /runtime/webhooks/eventgrid?functionName=…`, as the Event Grid extension serves it: the
 * subscription validation handshake, then one invocation per event in a delivered batch (Event Grid or
 * CloudEvents schema). Authentication is checked by the caller.
 */
export async function handleEventGridWebhook(
  app: LoadedApp,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
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
  if (method !== 'POST') throw new HttpError(405, `Method ${method} is not allowed`, false);

  const text = (await readBody(req)).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON');
  }
  const events = Array.isArray(parsed) ? parsed : [parsed];
  if (events.length === 0 || !events.every(isRecord)) {
    throw new HttpError(
      400,
      'The request body must be an event object or a non-empty array of event objects',
    );
  }
  const eventType = req.headers['aeg-event-type'];
  const looksLikeCloudEvents = events.every((event) => typeof event.specversion === 'string');

  if (eventType === 'SubscriptionValidation') {
    const data = events[0]?.data;
    const code = isRecord(data) ? data.validationCode : undefined;
    if (typeof code !== 'string')
      throw new HttpError(400, 'The validation event carries no data.validationCode');
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
  for (const event of events) {
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
