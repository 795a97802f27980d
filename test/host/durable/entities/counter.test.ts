// Conformance on the Counter entity of the Durable Functions samples: signalled from a client (binding,
// HTTP API), called and signalled from orchestrations, with the real DurableClient against the dev host.
// Sample app: test/host/apps/counter/.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as df from 'durable-functions';

import { VirtualClock } from '../../../../dev/clock';
import { startDevHost, type DevHost } from '../../../../dev/host';

const appDir = path.join(__dirname, '..', '..', 'apps', 'counter');
const START = Date.UTC(2026, 0, 1);

describe('Counter entity sample', () => {
  const clock = new VirtualClock(START);
  let host: DevHost;
  let client: df.DurableClient;

  beforeAll(async () => {
    host = await startDevHost({ appDir, clock, log: () => undefined });
    client = host.getClient();
  });

  afterAll(async () => {
    await host.close();
  });

  const counter = (key: string): df.EntityId => new df.EntityId('Counter', key);

  it('applies client signals in order and reads the state back', async () => {
    await client.signalEntity(counter('c1'), 'add', 5);
    await client.signalEntity(counter('c1'), 'add', 7);
    await client.signalEntity(counter('c1'), 'reset');
    await client.signalEntity(counter('c1'), 'add', 3);
    await host.engine.whenIdle();
    expect(await client.readEntityState(counter('c1'))).toEqual({ entityExists: true, entityState: 3 });
    expect(await client.readEntityState(counter('never'))).toEqual({ entityExists: false });
  });

  it('runs the sample orchestration: call, signal, call', async () => {
    await client.signalEntity(counter('c2'), 'add', 4);
    await host.engine.whenIdle();
    const id = await client.startNew('counterOrchestration', { input: 'c2' });
    const status = await host.waitForInstance(id);
    expect(status).toMatchObject({ runtimeStatus: 'Completed', output: { before: 4, after: 5 } });
    expect(await client.readEntityState(counter('c2'))).toEqual({ entityExists: true, entityState: 5 });
  });

  it('keeps the order of one orchestration’s signals before its call, and reports an operation’s failure', async () => {
    const id = await client.startNew('counterSequence', { input: 'c3' });
    const status = await host.waitForInstance(id);
    // The SDK turns the response's exceptionType into an Error of the parsed result: the entity SDK
    // serialized the thrown Error with JSON.stringify, which gives {}.
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      output: { total: 15, failure: '[object Object]', stillThere: 15 },
    });
  });

  it('records each request as EventSent and each answer as EventRaised named by the request ID', async () => {
    const id = await client.startNew('counterOrchestration', { input: 'c4' });
    await host.waitForInstance(id);
    const history = (
      host.engine as unknown as { getHistory(id: string): Record<string, unknown>[] }
    ).getHistory(id);
    const sent = history.filter((event) => event.EventType === 14);
    const raised = history.filter((event) => event.EventType === 15);
    expect(sent.map((event) => [event.EventId, event.InstanceId, event.Name])).toEqual([
      [0, '@counter@c4', 'op'],
      [1, '@counter@c4', 'op'],
      [2, '@counter@c4', 'op'],
    ]);
    const requests = sent.map((event) => JSON.parse(String(event.Input)) as Record<string, unknown>);
    expect(requests.map((request) => [request.op, request.signal, request.input, request.parent])).toEqual([
      ['get', undefined, undefined, id],
      ['add', true, '1', id],
      ['get', undefined, undefined, id],
    ]);
    const response =
      'Microsoft.Azure.WebJobs.Extensions.DurableTask.ResponseMessage, Microsoft.Azure.WebJobs.Extensions.DurableTask';
    expect(raised.map((event) => [event.Name, JSON.parse(String(event.Input))])).toEqual([
      [requests[0]?.id, { $type: response, result: '0' }],
      [requests[2]?.id, { $type: response, result: '1' }],
    ]);
  });

  it('delivers signals an entity sends to another entity', async () => {
    await client.signalEntity(counter('src'), 'add', 6);
    await client.signalEntity(counter('src'), 'forward', 'dst');
    await host.engine.whenIdle();
    expect(await client.readEntityState(counter('dst'))).toEqual({ entityExists: true, entityState: 6 });
  });

  it('deletes an entity whose operation destructs it', async () => {
    await client.signalEntity(counter('gone'), 'add', 1);
    await client.signalEntity(counter('gone'), 'delete');
    await host.engine.whenIdle();
    expect(await client.readEntityState(counter('gone'))).toEqual({ entityExists: false });
  });

  it('fails an orchestration that calls an entity the app does not have', async () => {
    const id = await client.startNew('callUnknownEntity');
    const status = await host.waitForInstance(id);
    expect(status.runtimeStatus).toBe('Failed');
    expect(status.output).toContain(
      "The function 'nosuchentity' doesn't exist, is disabled, or is not an entity function.",
    );
  });

  it('fails every operation of a batch whose reply is not a batch result, with the reason', async () => {
    const id = await client.startNew('callBroken');
    const status = await host.waitForInstance(id);
    expect(status).toMatchObject({
      runtimeStatus: 'Completed',
      output: {
        failed:
          'Out of proc orchestrators must return a valid JSON schema: the entity function returned "not a batch result", not an object',
      },
    });
  });

  describe('entity HTTP API', () => {
    const entitiesUrl = (rest: string, query = ''): string =>
      `${host.baseUrl}/runtime/webhooks/durabletask/entities/${rest}?code=${host.durableTaskKey}${query}`;

    it('signals with POST (JSON or text input), reads with GET, and answers 404 for no state', async () => {
      const posted = await fetch(entitiesUrl('Counter/h1', '&op=add'), {
        method: 'POST',
        body: '41',
        headers: { 'content-type': 'application/json' },
      });
      expect({ status: posted.status, body: await posted.text() }).toEqual({ status: 202, body: '' });
      await fetch(entitiesUrl('Counter/h1', '&op=add'), {
        method: 'POST',
        body: '1',
        headers: { 'content-type': 'application/json' },
      });
      await host.engine.whenIdle();
      const read = await fetch(entitiesUrl('counter/h1'));
      expect({ status: read.status, body: await read.json() }).toEqual({ status: 200, body: 42 });
      const missing = await fetch(entitiesUrl('Counter/none'));
      expect({ status: missing.status, body: await missing.text() }).toEqual({ status: 404, body: '' });
    });

    it('refuses an unknown entity and malformed JSON with 400, and unsupported methods with 404', async () => {
      const unknown = await fetch(entitiesUrl('Nope/k', '&op=add'), { method: 'POST' });
      expect({ status: unknown.status, body: await unknown.json() }).toEqual({
        status: 400,
        body: { Message: "The function 'Nope' doesn't exist, is disabled, or is not an entity function." },
      });
      const bad = await fetch(entitiesUrl('Counter/k', '&op=add'), {
        method: 'POST',
        body: '{',
        headers: { 'content-type': 'application/json' },
      });
      expect(bad.status).toBe(400);
      const put = await fetch(entitiesUrl('Counter/k'), { method: 'PUT' });
      expect(put.status).toBe(404);
      const noKey = await fetch(entitiesUrl('Counter/k/extra'));
      expect(noKey.status).toBe(404);
    });

    it('lists the entities of a name with state, one page at a time', async () => {
      for (const key of ['list-a', 'list-b', 'list-c']) {
        await client.signalEntity(new df.EntityId('Counter', key), 'add', key.length);
      }
      await host.engine.whenIdle();
      const first = await fetch(entitiesUrl('Counter', '&fetchState=true&top=2'));
      const firstBody = (await first.json()) as { entityId: { key: string }; state: unknown }[];
      const token = first.headers.get('x-ms-continuation-token');
      expect(first.status).toBe(200);
      expect(token).toBeTruthy();
      const keys = [...firstBody.map((entity) => entity.entityId.key)];
      let next = token;
      while (next) {
        const page = await fetch(entitiesUrl('Counter', '&top=2'), {
          headers: { 'x-ms-continuation-token': next },
        });
        keys.push(...((await page.json()) as { entityId: { key: string } }[]).map((e) => e.entityId.key));
        next = page.headers.get('x-ms-continuation-token');
      }
      expect(keys.filter((key) => key.startsWith('list-'))).toEqual(['list-a', 'list-b', 'list-c']);
      expect(firstBody[0]).toEqual({
        entityId: { name: 'counter', key: firstBody[0]?.entityId.key },
        lastOperationTime: '2026-01-01T00:00:00.000Z',
        state: expect.anything() as unknown,
      });
    });

    it('serves the client binding inside an HTTP function', async () => {
      const response = await fetch(`${host.baseUrl}/api/counter/bound/add`, { method: 'POST', body: '2' });
      expect(response.status).toBe(202);
      await host.engine.whenIdle();
      expect(await client.readEntityState(counter('bound'))).toEqual({ entityExists: true, entityState: 2 });
    });
  });
});
