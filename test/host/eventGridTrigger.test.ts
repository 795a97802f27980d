import path from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost, type DevHost, type LogEntry } from '../../dev/host';
import cloudEvents from '../fixtures/azure-specs/event-grid/ResourceWriteSuccess.cloudevents-schema.json';
import eventGridEvents from '../fixtures/azure-specs/event-grid/ResourceWriteSuccess.eventgrid-schema.json';
import validationEvents from '../fixtures/azure-specs/event-grid/SubscriptionValidationEvent.json';

const appDir = path.join(__dirname, 'apps', 'eventgrid');

type Received = { fn: string; id: string; type: string; subject: string };
const received = (): Received[] =>
  (globalThis as { __eventGridSampleReceived?: Received[] }).__eventGridSampleReceived ?? [];

/** An Event Grid schema event whose `data` nests `depth` objects deep (the event itself is one level). */
function nestedEvent(id: string, depth: number): string {
  const data = '{"a":'.repeat(depth - 2) + '{}' + '}'.repeat(depth - 2);
  return `{"id":"${id}","subject":"/nested/${id}","eventType":"T","eventTime":"2026-01-01T00:00:00Z","dataVersion":"1","data":${data}}`;
}

describe('Event Grid webhook and trigger', () => {
  let host: DevHost;
  let webhook: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    const log = (entry: LogEntry): void => {
      if (entry.level === 'warning') {
        warnings.push(entry.message);
      }
    };
    host = await startDevHost({ appDir, clock: new VirtualClock(), log });
    webhook = `${host.baseUrl}/runtime/webhooks/eventgrid?functionName=onResourceEvent&code=${host.eventGridKey}`;
  });

  afterAll(async () => {
    await host.close();
  });

  beforeEach(() => {
    received().length = 0;
    warnings.length = 0;
  });

  const post = (url: string, body: string, eventType?: string) =>
    fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...(eventType ? { 'aeg-event-type': eventType } : {}) },
    });

  it('answers the subscription validation handshake', async () => {
    const response = await post(webhook, JSON.stringify(validationEvents), 'SubscriptionValidation');
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: { validationResponse: '512d38b6-c7b8-40c8-89fe-f46f9e9622b6' },
    });
    expect(received()).toEqual([]);
  });

  it('invokes the function once per event in a batch of three (Event Grid schema)', async () => {
    const [template] = eventGridEvents as Record<string, unknown>[];
    const batch = ['a', 'b', 'c'].map((suffix) => ({
      ...template,
      id: `evt-${suffix}`,
      subject: `/things/${suffix}`,
    }));
    const response = await post(webhook, JSON.stringify(batch), 'Notification');
    expect(response.status).toBe(202);
    expect(received()).toEqual(
      ['a', 'b', 'c'].map((suffix) => ({
        fn: 'onResourceEvent',
        id: `evt-${suffix}`,
        type: 'Microsoft.Resources.ResourceWriteSuccess',
        subject: `/things/${suffix}`,
      })),
    );
  });

  it('accepts CloudEvents-shaped events', async () => {
    const response = await post(webhook, JSON.stringify(cloudEvents), 'Notification');
    expect(response.status).toBe(202);
    const [event] = cloudEvents as { id: string; subject: string }[];
    expect(received()).toEqual([
      {
        fn: 'onResourceEvent',
        id: event?.id,
        type: 'Microsoft.Resources.ResourceWriteSuccess',
        subject: event?.subject,
      },
    ]);
  });

  it('answers the CloudEvents abuse-protection OPTIONS handshake', async () => {
    const response = await fetch(webhook, {
      method: 'OPTIONS',
      headers: { 'webhook-request-origin': 'eventgrid.azure.net' },
    });
    expect({ status: response.status, origin: response.headers.get('webhook-allowed-origin') }).toEqual({
      status: 200,
      origin: 'eventgrid.azure.net',
    });
  });

  it('answers 500 when an invocation throws, after delivering the rest of the batch', async () => {
    const batch = ['ok-1', 'explode', 'ok-2'].map((subject, i) => ({
      id: `e${i}`,
      subject,
      eventType: 'T',
      eventTime: '2026-01-01T00:00:00Z',
      data: {},
      dataVersion: '1',
    }));
    const response = await post(webhook, JSON.stringify(batch), 'Notification');
    expect(response.status).toBe(500);
    expect(received().map((r) => r.subject)).toEqual(['ok-1', 'ok-2']);
  });

  it.each([65, 5_000, 1_000_000])(
    'drops an event nested %i deep with a success answer, logs it, and delivers the rest of the batch',
    async (depth) => {
      const body = `[${nestedEvent('deep', depth)},${nestedEvent('shallow', 64)}]`;
      const response = await post(webhook, body, 'Notification');
      expect({ status: response.status, body: await response.text() }).toEqual({ status: 202, body: '' });
      expect(received()).toEqual([
        { fn: 'onResourceEvent', id: 'shallow', type: 'T', subject: '/nested/shallow' },
      ]);
      expect(warnings).toEqual([
        'Dropped event 0 of an Event Grid delivery to onResourceEvent: it nests deeper than 64 levels',
      ]);
    },
  );

  it('drops events that are not objects with a success answer, and delivers the others', async () => {
    const body = `[1,"text",null,[],${nestedEvent('kept', 3)}]`;
    const response = await post(webhook, body, 'Notification');
    expect(response.status).toBe(202);
    expect(received()).toEqual([{ fn: 'onResourceEvent', id: 'kept', type: 'T', subject: '/nested/kept' }]);
    expect(warnings).toEqual(
      [0, 1, 2, 3].map(
        (index) =>
          `Dropped event ${index} of an Event Grid delivery to onResourceEvent: it is not a JSON object`,
      ),
    );
  });

  it('rejects malformed JSON with 400 and unknown or non-Event-Grid functions with 404', async () => {
    expect((await post(webhook, '[{', 'Notification')).status).toBe(400);
    const unknown = webhook.replace('onResourceEvent', 'nope');
    expect((await post(unknown, '[]', 'Notification')).status).toBe(404);
    const timer = webhook.replace('onResourceEvent', 'notAnEventGridFunction');
    expect((await post(timer, '[]', 'Notification')).status).toBe(404);
  });

  it('requires the eventgrid_extension system key or the master key', async () => {
    const bare = `${host.baseUrl}/runtime/webhooks/eventgrid?functionName=onResourceEvent`;
    expect((await post(bare, JSON.stringify(validationEvents), 'SubscriptionValidation')).status).toBe(401);
    expect((await post(`${bare}&code=${host.functionKey}`, '[]', 'Notification')).status).toBe(401);
    const master = await post(
      `${bare}&code=${host.masterKey}`,
      JSON.stringify(validationEvents),
      'SubscriptionValidation',
    );
    expect(master.status).toBe(200);
  });

  it('runs an Event Grid function through the admin API with the master key', async () => {
    const url = `${host.baseUrl}/admin/functions/onResourceEvent`;
    const input = JSON.stringify({ id: 'manual', subject: 'by-hand', eventType: 'Manual', data: {} });
    expect((await fetch(url, { method: 'POST', body: JSON.stringify({ input }) })).status).toBe(401);
    const response = await fetch(url, {
      method: 'POST',
      body: JSON.stringify({ input }),
      headers: { 'x-functions-key': host.masterKey, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(202);
    await (host.clock as VirtualClock).settle();
    expect(received()).toEqual([{ fn: 'onResourceEvent', id: 'manual', type: 'Manual', subject: 'by-hand' }]);
  });
});
