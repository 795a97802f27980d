import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import { startEventSink, type EventSink } from '../../dev/stack/eventSink';

const sinks: EventSink[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  for (const dir of dirs.splice(0)) {
    rmSync(dir, { recursive: true, force: true });
  }
});

async function sinkFor(options: { eventsFile?: string; key?: string } = {}): Promise<EventSink> {
  const sink = await startEventSink({ clock: new VirtualClock(Date.UTC(2026, 0, 1)), ...options });
  sinks.push(sink);
  return sink;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rpcopy-sink-'));
  dirs.push(dir);
  return dir;
}

function cloudPublisher(sink: EventSink, key = sink.key): EventGridPublisherClient<'CloudEvent'> {
  return new EventGridPublisherClient(sink.topicEndpoint, 'CloudEvent', new AzureKeyCredential(key), {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
}

async function getEvents(sink: EventSink, query = ''): Promise<unknown> {
  const response = await fetch(`${sink.url}/events${query}`, { headers: { 'aeg-sas-key': sink.key } });
  expect(response.status).toBe(200);
  return response.json();
}

describe('event sink', () => {
  it('accepts a CloudEvents batch from the real publisher and serves it back', async () => {
    // Prepare
    const sink = await sinkFor();
    const publisher = cloudPublisher(sink);

    // Act
    await publisher.send([
      {
        type: 'RestorePointCopy.Succeeded',
        source: '/rpcopy',
        subject: '/subscriptions/s/rp1',
        id: 'copy-1/RestorePointCopy.Succeeded',
        time: new Date(Date.UTC(2026, 0, 1, 1)),
        data: { id: 'copy-1', status: 'Succeeded' },
      },
      {
        type: 'RestorePointCopy.Started',
        source: '/rpcopy',
        id: 'copy-2/RestorePointCopy.Started',
        data: {},
      },
    ]);

    // Assess
    expect(await getEvents(sink)).toEqual([
      {
        type: 'RestorePointCopy.Succeeded',
        source: '/rpcopy',
        subject: '/subscriptions/s/rp1',
        id: 'copy-1/RestorePointCopy.Succeeded',
        time: '2026-01-01T01:00:00.000Z',
        specversion: '1.0',
        datacontenttype: 'application/json',
        data: { id: 'copy-1', status: 'Succeeded' },
      },
      {
        type: 'RestorePointCopy.Started',
        source: '/rpcopy',
        id: 'copy-2/RestorePointCopy.Started',
        specversion: '1.0',
        datacontenttype: 'application/json',
        data: {},
        time: expect.any(String),
      },
    ]);
    expect(sink.events().map((entry) => [entry.schema, entry.receivedAt])).toEqual([
      ['CloudEvents', Date.UTC(2026, 0, 1)],
      ['CloudEvents', Date.UTC(2026, 0, 1)],
    ]);
  });

  it('accepts the Event Grid schema too', async () => {
    const sink = await sinkFor();
    const publisher = new EventGridPublisherClient(
      sink.topicEndpoint,
      'EventGrid',
      new AzureKeyCredential(sink.key),
      { allowInsecureConnection: true },
    );
    await publisher.send([
      { eventType: 'Custom.Thing', subject: 's', dataVersion: '1', data: { n: 1 }, id: 'e1' },
    ]);
    expect(sink.events().map((entry) => [entry.schema, entry.event.id, entry.event.data])).toEqual([
      ['EventGrid', 'e1', { n: 1 }],
    ]);
  });

  it('filters by type and subject (subject case-insensitively)', async () => {
    const sink = await sinkFor();
    await cloudPublisher(sink).send([
      { type: 'A', source: '/x', id: '1', subject: '/Sub/One', data: { n: 1 } },
      { type: 'B', source: '/x', id: '2', subject: '/sub/one', data: { n: 2 } },
      { type: 'A', source: '/x', id: '3', subject: '/sub/two', data: { n: 3 } },
    ]);
    const ids = (events: unknown): unknown => (events as { id: string }[]).map((event) => event.id);
    expect(ids(await getEvents(sink, '?type=A'))).toEqual(['1', '3']);
    expect(ids(await getEvents(sink, '?subject=%2Fsub%2FONE'))).toEqual(['1', '2']);
    expect(ids(await getEvents(sink, '?type=A&subject=/sub/one'))).toEqual(['1']);
  });

  it('refuses a wrong key with 401 and stores nothing', async () => {
    const sink = await sinkFor({ key: 'right-key' });
    await expect(
      cloudPublisher(sink, 'wrong-key').send([{ type: 'A', source: '/x', id: '1' }]),
    ).rejects.toMatchObject({ statusCode: 401 });
    const missing = await fetch(`${sink.topicEndpoint}?api-version=2018-01-01`, {
      method: 'POST',
      body: '[]',
    });
    expect(missing.status).toBe(401);
    expect(sink.events()).toEqual([]);
  });

  it('serves its events only to callers presenting the topic key', async () => {
    // Prepare
    const sink = await sinkFor({ key: 'right-key' });
    await cloudPublisher(sink).send([{ type: 'A', source: '/x', id: '1', data: { n: 1 } }]);

    // Act
    const read = async (headers: Record<string, string>): Promise<[number, unknown]> => {
      const response = await fetch(`${sink.url}/events`, { headers });
      return [response.status, await response.json()];
    };
    const results = [
      await read({}),
      await read({ 'aeg-sas-key': 'wrong-key' }),
      await read({ 'aeg-sas-key': 'right-key' }),
    ];

    // Assess
    const unauthorized = [
      401,
      { error: { code: 'Unauthorized', message: "Reading events needs the topic key in 'aeg-sas-key'." } },
    ];
    expect(results).toEqual([
      unauthorized,
      unauthorized,
      [200, [expect.objectContaining({ id: '1', type: 'A', data: { n: 1 } })]],
    ]);
  });

  it('answers malformed publish requests with 4xx and an error body', async () => {
    const sink = await sinkFor();
    const post = async (body: string, query = '?api-version=2018-01-01'): Promise<[number, unknown]> => {
      const response = await fetch(`${sink.topicEndpoint}${query}`, {
        method: 'POST',
        headers: { 'aeg-sas-key': sink.key, 'content-type': 'application/json' },
        body,
      });
      return [response.status, await response.json()];
    };
    const badRequest = (message: string): unknown => [400, { error: { code: 'BadRequest', message } }];

    expect(await post('[{"id":"1","type":"A","source":"/x"}]', '')).toEqual(
      badRequest("The 'api-version' query parameter is required."),
    );
    expect(await post('{not json')).toEqual(badRequest('The request body is not valid JSON.'));
    expect(await post('{"id":"1"}')).toEqual(badRequest('The request body must be a JSON array of events.'));
    expect(await post('[{"id":"1","type":"A","source":"/x","specversion":"0.3"}]')).toEqual(
      badRequest('event 0 has specversion "0.3"; only "1.0" is supported'),
    );
    expect(await post('[{"id":"1","type":"A","source":"/x","specversion":"1.0"}, 7]')).toEqual(
      badRequest('event 1 is not a JSON object'),
    );
    expect(await post('[{"id":"1","subject":"s","eventType":"A"}]')).toEqual(
      badRequest("event 0 is missing required string property 'dataVersion'"),
    );
    expect(await post(`[${'"x",'.repeat(300_000)}"x"]`)).toEqual([
      413,
      { error: { code: 'RequestEntityTooLarge', message: 'A publish request is limited to 1 MB.' } },
    ]);
    const wrongMethod = await fetch(sink.topicEndpoint);
    expect([wrongMethod.status, wrongMethod.headers.get('allow')]).toEqual([405, 'POST']);
    expect((await fetch(`${sink.url}/nowhere`)).status).toBe(404);
    expect(sink.events()).toEqual([]);
  });

  it('keeps its history across a restart and ignores a torn last line', async () => {
    // Prepare
    const eventsFile = join(tempDir(), 'events.jsonl');
    const first = await sinkFor({ eventsFile });
    await cloudPublisher(first).send([{ type: 'A', source: '/x', id: '1', data: { n: 1 } }]);
    await first.close();
    sinks.splice(sinks.indexOf(first), 1);
    writeFileSync(eventsFile, readFileSync(eventsFile, 'utf8') + '{"receivedAt":1,"sch');

    // Act
    const second = await sinkFor({ eventsFile });
    await cloudPublisher(second).send([{ type: 'B', source: '/x', id: '2', data: { n: 2 } }]);

    // Assess
    expect(((await getEvents(second)) as { id: string }[]).map((event) => event.id)).toEqual(['1', '2']);
  });
});
