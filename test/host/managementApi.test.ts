import path from 'node:path';

import { HttpRequest } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost, type DevHost, type RequestLogEntry } from '../../dev/host';
import fixture from '../fixtures/durable/durable-client-http-calls.json';
import { FakeEngine } from './fakeEngine';

const appDir = path.join(__dirname, 'apps', 'client');

/** The fixture's legacy-mode request lines, with the placeholders this host fills in. */
function legacyFixtureLines(key: string): string[] {
  const lines: string[] = [];
  for (const line of fixture.requests) {
    if (line.startsWith('--- rpcBaseUrl')) {
      break;
    }
    if (line.startsWith('---') || line.startsWith('createHttpManagementPayload:')) {
      continue;
    }
    lines.push(line.replaceAll('KEY', key));
  }
  return lines;
}

describe('Durable management API through the real DurableClient', () => {
  const clock = new VirtualClock(Date.UTC(2025, 0, 2));
  let host: DevHost;
  let engine: FakeEngine;
  let client: DurableClient;
  const requests: RequestLogEntry[] = [];

  /** Request lines in the fixture's format, minus the body (the fake server cannot see it after reading). */
  function lastLine(): string {
    const entry = requests.at(-1);
    if (!entry) {
      throw new Error('no request seen');
    }
    return `${entry.method} ${entry.url} ct=${entry.contentType}`;
  }

  function fixtureLine(prefix: string): string {
    const wanted = prefix.replaceAll('KEY', host.durableTaskKey);
    const line = legacyFixtureLines(host.durableTaskKey).find((l) => l.startsWith(wanted));
    if (!line) {
      throw new Error(`no fixture line starts with ${prefix}`);
    }
    return line.replace(/ body=.*$/, '');
  }

  /** The fixture's management payload for instance `my-id`, with this host's origin and key. */
  function fixturePayloadText(): string {
    return fixture.requests
      .find((l) => l.startsWith('createHttpManagementPayload:'))!
      .slice('createHttpManagementPayload: '.length)
      .replaceAll('ORIGIN', host.baseUrl)
      .replaceAll('KEY', host.durableTaskKey);
  }

  beforeAll(async () => {
    host = await startDevHost({
      appDir,
      clock,
      log: () => undefined,
      // These tests check the webhook requests of the fixture; rpcMode.test.ts covers the default RPC mode.
      durableClientMode: 'legacy',
      onRequest: (entry) => requests.push(entry),
      engineFactory: () => {
        engine = new FakeEngine(() => clock.now(), 2);
        return engine;
      },
    });
    client = host.getClient();
  });

  afterAll(async () => {
    await host.close();
  });

  beforeEach(() => {
    requests.length = 0;
    engine.calls.length = 0;
  });

  it('hands functions the binding payload of the fixture, on this origin', () => {
    const expected = JSON.parse(
      JSON.stringify(fixture.durableClientBindingPayloadLegacy)
        .replaceAll('ORIGIN', host.baseUrl)
        .replaceAll('KEY', host.durableTaskKey),
    );
    // Extension 3.19.0 also sends these four as null to Node apps (test/fixtures/real-durable).
    expect(host.durableClientPayload()).toEqual({
      ...expected,
      connectionName: null,
      httpBaseUrl: null,
      maxGrpcMessageSizeInBytes: null,
      grpcHttpClientTimeout: null,
    });
  });

  it('startNew without and with an instance ID', async () => {
    await expect(client.startNew('orch', { input: { a: 1 } })).resolves.toBe('generated1');
    expect(lastLine()).toBe(fixtureLine('POST /runtime/webhooks/durabletask/orchestrators/orch?'));
    await expect(client.startNew('orch', { instanceId: 'my-id', input: 'str' })).resolves.toBe('my-id');
    expect(lastLine()).toBe(fixtureLine('POST /runtime/webhooks/durabletask/orchestrators/orch/my-id?'));
    expect(engine.calls).toEqual([
      ['startNew', 'orch', { input: { a: 1 } }],
      ['startNew', 'orch', { instanceId: 'my-id', input: 'str' }],
    ]);
  });

  it('startNew without input: axios sends the JSON text "" and the host keeps it as the input', async () => {
    await client.startNew('orch', { instanceId: 'no-input' });
    expect(engine.calls).toEqual([['startNew', 'orch', { instanceId: 'no-input', input: '' }]]);
  });

  it('startNew answers 202 with the check-status payload, Location and Retry-After', async () => {
    const response = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/orch/raw-1?code=${host.durableTaskKey}`,
      { method: 'POST', body: '[1,2]', headers: { 'content-type': 'application/json' } },
    );
    const body = await response.json();
    const expected = JSON.parse(fixturePayloadText().replaceAll('my-id', 'raw-1')) as Record<string, string>;
    // The real start response has no rewind link (test/fixtures/real-durable/management-api.json).
    delete expected.rewindPostUri;
    expect({ status: response.status, body }).toEqual({ status: 202, body: expected });
    expect(response.headers.get('location')).toBe(expected.statusQueryGetUri);
    expect(response.headers.get('retry-after')).toBe('10');
    expect(engine.calls).toEqual([['startNew', 'orch', { instanceId: 'raw-1', input: [1, 2] }]]);
  });

  it('startNew accepts an unknown orchestrator (as the extension does), refuses bad JSON and a running duplicate', async () => {
    // The instance fails on its first episode instead (test/fixtures/real-durable/management-api.json).
    await expect(client.startNew('nope', { instanceId: 'nope-1' })).resolves.toBe('nope-1');
    const bad = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/orch?code=${host.durableTaskKey}`,
      {
        method: 'POST',
        body: '{not json',
      },
    );
    expect(bad.status).toBe(400);
    await expect(client.startNew('orch', { instanceId: 'dup' })).resolves.toBe('dup');
    await expect(client.startNew('orch', { instanceId: 'dup' })).rejects.toThrow(/500/);
  });

  it('getStatus with history flags: 202 while running, 200 when done, explicit nulls, whole seconds', async () => {
    await client.startNew('orch', { instanceId: 'st-1', input: { hidden: true } });
    engine.update('st-1', { runtimeStatus: 'Running', createdTime: '2025-01-02T00:00:00.1234567Z' });
    requests.length = 0;
    const status = await client.getStatus('st-1', {
      showHistory: true,
      showHistoryOutput: true,
      showInput: false,
    });
    expect(lastLine()).toBe(
      fixtureLine('GET /runtime/webhooks/durabletask/instances/my-id?').replace('my-id', 'st-1'),
    );
    expect(requests.at(-1)?.status).toBe(202);
    expect(status).toEqual({
      name: 'orch',
      instanceId: 'st-1',
      runtimeStatus: 'Running',
      input: null,
      customStatus: null,
      output: null,
      createdTime: new Date('2025-01-02T00:00:00Z'),
      lastUpdatedTime: new Date('2025-01-02T00:00:00Z'),
    });

    const raw = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/st-1?code=${host.durableTaskKey}&showHistory=true`,
    );
    expect(raw.status).toBe(202);
    expect(raw.headers.get('retry-after')).toBe('5');
    expect(raw.headers.get('location')).toBe(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/st-1?code=${host.durableTaskKey}&showHistory=true`,
    );
    expect(await raw.json()).toEqual({
      name: 'orch',
      instanceId: 'st-1',
      runtimeStatus: 'Running',
      input: { hidden: true },
      customStatus: null,
      output: null,
      createdTime: '2025-01-02T00:00:00Z',
      lastUpdatedTime: '2025-01-02T00:00:00Z',
      historyEvents: [{ EventType: 'ExecutionStarted', FunctionName: 'orch' }],
    });

    engine.update('st-1', { runtimeStatus: 'Completed', output: 0, customStatus: { step: 2 } });
    const done = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/st-1?code=${host.durableTaskKey}`,
    );
    expect(done.status).toBe(200);
    expect(done.headers.get('location')).toBeNull();
    expect(await done.json()).toEqual({
      name: 'orch',
      instanceId: 'st-1',
      runtimeStatus: 'Completed',
      input: { hidden: true },
      customStatus: { step: 2 },
      output: 0,
      createdTime: '2025-01-02T00:00:00Z',
      lastUpdatedTime: '2025-01-02T00:00:00Z',
    });
  });

  it('getStatus of an unknown instance: 404, which the client throws', async () => {
    await expect(client.getStatus('missing')).rejects.toThrow(/HTTP 404/);
  });

  it('getStatusAll follows x-ms-continuation-token across pages', async () => {
    for (const id of ['page-a', 'page-b', 'page-c']) {
      await client.startNew('orch', { instanceId: `${id}` });
    }
    requests.length = 0;
    engine.calls.length = 0;
    const all = await client.getStatusAll();
    expect(requests[0] && `${requests[0].method} ${requests[0].url} ct=${requests[0].contentType}`).toBe(
      fixtureLine('GET /runtime/webhooks/durabletask/instances/?taskHub=Hub&connection=Storage&code=KEY ct='),
    );
    const ids = all.map((s) => s.instanceId);
    expect(ids).toEqual([...engine.instances.keys()]);
    // The fake engine pages by 2 by default, so the client had to follow the token page by page.
    expect(requests.length).toBe(Math.ceil(engine.instances.size / 2));
    expect(
      engine.calls.map(([, query]) => (query as { continuationToken?: string }).continuationToken),
    ).toEqual(requests.map((_, page) => (page === 0 ? undefined : String(page * 2))));
    expect(ids).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    const first = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${host.durableTaskKey}&top=2&instanceIdPrefix=page-`,
    );
    const token = first.headers.get('x-ms-continuation-token');
    expect({
      status: first.status,
      ids: ((await first.json()) as { instanceId: string }[]).map(
        (s: { instanceId: string }) => s.instanceId,
      ),
      token,
    }).toEqual({
      status: 200,
      ids: ['page-a', 'page-b'],
      token: '2',
    });
    const second = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${host.durableTaskKey}&top=2&instanceIdPrefix=page-`,
      { headers: { 'x-ms-continuation-token': token ?? '' } },
    );
    expect({
      ids: ((await second.json()) as { instanceId: string }[]).map(
        (s: { instanceId: string }) => s.instanceId,
      ),
      token: second.headers.get('x-ms-continuation-token'),
    }).toEqual({ ids: ['page-c'], token: null });
  });

  it('getStatusBy sends the filter the fixture shows and the engine gets it parsed', async () => {
    await client.getStatusBy({
      createdTimeFrom: new Date('2025-01-01T00:00:00.000Z'),
      runtimeStatus: ['Running', 'Pending'] as never,
    });
    expect(lastLine()).toBe(
      fixtureLine(
        'GET /runtime/webhooks/durabletask/instances/?taskHub=Hub&connection=Storage&code=KEY&createdTimeFrom',
      ),
    );
    expect(engine.calls[0]).toEqual([
      'listInstances',
      {
        showInput: true,
        createdTimeFrom: new Date('2025-01-01T00:00:00.000Z'),
        runtimeStatus: ['Running', 'Pending'],
      },
    ]);
  });

  it('raiseEvent, suspend, resume, terminate: 202, then 410 once terminal, 404 when unknown', async () => {
    await client.startNew('orch', { instanceId: 'my-id' }).catch(() => undefined);
    engine.update('my-id', { runtimeStatus: 'Running' });
    requests.length = 0;
    engine.calls.length = 0;
    await client.raiseEvent('my-id', 'Approval', { ok: true });
    expect(lastLine()).toBe(
      fixtureLine('POST /runtime/webhooks/durabletask/instances/my-id/raiseEvent/Approval'),
    );
    await client.suspend('my-id', 'r');
    expect(lastLine()).toBe(fixtureLine('POST /runtime/webhooks/durabletask/instances/my-id/suspend'));
    await client.resume('my-id', 'r');
    expect(lastLine()).toBe(fixtureLine('POST /runtime/webhooks/durabletask/instances/my-id/resume'));
    await client.terminate('my-id', 'no reason');
    expect(lastLine()).toBe(fixtureLine('POST /runtime/webhooks/durabletask/instances/my-id/terminate'));
    expect(requests.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(engine.calls).toEqual([
      ['raiseEvent', 'my-id', 'Approval', { ok: true }],
      ['suspend', 'my-id', 'r'],
      ['resume', 'my-id', 'r'],
      ['terminate', 'my-id', 'no reason'],
    ]);

    // 410 is success to the client: the instance is simply over.
    await expect(client.raiseEvent('my-id', 'Approval', 1)).resolves.toBeUndefined();
    await expect(client.terminate('my-id', 'again')).resolves.toBeUndefined();
    expect(requests.slice(-2).map((r) => r.status)).toEqual([410, 410]);
    await expect(client.raiseEvent('ghost', 'Approval', 1)).rejects.toThrow(/ghost/);
    await expect(client.terminate('ghost', 'r')).rejects.toThrow(/ghost/);
    expect(requests.slice(-2).map((r) => r.status)).toEqual([404, 404]);
  });

  it('raiseEvent insists on application/json', async () => {
    await client.startNew('orch', { instanceId: 'ct-1' });
    const response = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/ct-1/raiseEvent/E?code=${host.durableTaskKey}`,
      { method: 'POST', body: '1', headers: { 'content-type': 'text/plain' } },
    );
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: { Message: 'Only application/json request content is supported' },
    });
  });

  it('purgeInstanceHistory and purgeInstanceHistoryBy', async () => {
    await client.startNew('orch', { instanceId: 'purge-me' });
    requests.length = 0;
    await expect(client.purgeInstanceHistory('purge-me')).resolves.toEqual({ instancesDeleted: 1 });
    expect(lastLine()).toBe(
      fixtureLine('DELETE /runtime/webhooks/durabletask/instances/my-id').replace('my-id', 'purge-me'),
    );
    await expect(client.purgeInstanceHistory('purge-me')).resolves.toEqual({ instancesDeleted: 0 });
    expect(requests.at(-1)?.status).toBe(404);

    await client.startNew('orch', { instanceId: 'old-done' });
    engine.update('old-done', { runtimeStatus: 'Completed' });
    engine.calls.length = 0;
    const purged = await client.purgeInstanceHistoryBy({
      createdTimeFrom: new Date('2025-01-01T00:00:00.000Z'),
      runtimeStatus: ['Completed'] as never,
    });
    expect(purged.instancesDeleted).toBeGreaterThanOrEqual(1);
    expect(lastLine()).toBe(fixtureLine('DELETE /runtime/webhooks/durabletask/instances/?'));
    expect(engine.calls).toEqual([
      [
        'purgeInstances',
        { createdTimeFrom: new Date('2025-01-01T00:00:00.000Z'), runtimeStatus: ['Completed'] },
      ],
    ]);
    await expect(
      client.purgeInstanceHistoryBy({ createdTimeFrom: new Date('2030-01-01T00:00:00.000Z') }),
    ).resolves.toEqual({ instancesDeleted: 0 });
    const noFrom = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/?code=${host.durableTaskKey}`,
      {
        method: 'DELETE',
      },
    );
    expect(noFrom.status).toBe(400);
  });

  it('createCheckStatusResponse puts the request origin on the host URLs', async () => {
    const request = new HttpRequest({ method: 'POST', url: 'http://example.test:9000/api/start' });
    const response = client.createCheckStatusResponse(request, 'abc');
    const payload = host.durableClientPayload();
    const expected = Object.fromEntries(
      Object.entries(payload.managementUrls).map(([name, url]) => [
        name,
        url.replace('INSTANCEID', 'abc').replace(host.baseUrl, 'http://example.test:9000'),
      ]),
    );
    expect({
      status: response.status,
      location: response.headers.get('location'),
      retryAfter: response.headers.get('retry-after'),
      body: await response.json(),
    }).toEqual({
      status: 202,
      location: expected.statusQueryGetUri,
      retryAfter: '10',
      body: { ...expected, id: 'abc' },
    });
  });

  it('waitForCompletionOrCreateCheckStatusResponse: output when done, check-status when not', async () => {
    const request = new HttpRequest({ method: 'POST', url: `${host.baseUrl}/api/start` });
    await client.startNew('orch', { instanceId: 'w-done' });
    engine.update('w-done', { runtimeStatus: 'Completed', output: { total: 3 } });
    const done = await client.waitForCompletionOrCreateCheckStatusResponse(request, 'w-done');
    expect({ status: done.status, body: await done.json() }).toEqual({ status: 200, body: { total: 3 } });

    // Failed and Terminated answer with the whole status document, as the client's getStatus sees it.
    for (const [id, runtimeStatus, status] of [
      ['w-failed', 'Failed', 500],
      ['w-terminated', 'Terminated', 200],
    ] as const) {
      await client.startNew('orch', { instanceId: id });
      engine.update(id, { runtimeStatus, output: `${runtimeStatus} output` });
      const response = await client.waitForCompletionOrCreateCheckStatusResponse(request, id);
      expect({ status: response.status, body: await response.json() }).toEqual({
        status,
        body: JSON.parse(JSON.stringify(await client.getStatus(id))) as unknown,
      });
    }

    await client.startNew('orch', { instanceId: 'w-running' });
    engine.update('w-running', { runtimeStatus: 'Running' });
    const pending = await client.waitForCompletionOrCreateCheckStatusResponse(request, 'w-running', {
      timeoutInMilliseconds: 30,
      retryIntervalInMilliseconds: 10,
    });
    const checkStatus = client.createCheckStatusResponse(request, 'w-running');
    expect({
      status: pending.status,
      location: pending.headers.get('location'),
      body: await pending.json(),
    }).toEqual({
      status: 202,
      location: checkStatus.headers.get('location'),
      body: { ...((await checkStatus.json()) as object), id: 'w-running' },
    });
  });

  it('requires the durabletask system key or the master key', async () => {
    const url = `${host.baseUrl}/runtime/webhooks/durabletask/instances/`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(`${url}?code=wrong`)).status).toBe(401);
    expect((await fetch(`${url}?code=${host.functionKey}`)).status).toBe(401);
    expect((await fetch(`${url}?code=${host.masterKey}`)).status).toBe(200);
    expect((await fetch(url, { headers: { 'x-functions-key': host.durableTaskKey } })).status).toBe(200);
  });

  it('start-and-wait returns the output once the instance completes on the host clock', async () => {
    const started = fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/orch/sw-1?timeout=60&pollingInterval=5&code=${host.durableTaskKey}`,
      { method: 'POST' },
    );
    await clock.runUntil(() => engine.instances.has('sw-1'));
    engine.update('sw-1', { runtimeStatus: 'Completed', output: 'finished' });
    await clock.advanceBy(5_000);
    const response = await started;
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: 'finished',
    });
  });

  it('start-and-wait answers 202 with the check-status payload when the timeout passes first', async () => {
    const started = fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/orchestrators/orch/sw-2?timeout=10&pollingInterval=2&code=${host.durableTaskKey}`,
      { method: 'POST' },
    );
    await clock.runUntil(() => engine.instances.has('sw-2'));
    await clock.advanceBy(10_000);
    const response = await started;
    expect({ status: response.status, id: ((await response.json()) as { id: string }).id }).toEqual({
      status: 202,
      id: 'sw-2',
    });
  });

  it('restart starts the same orchestrator with the same input, under a new ID by default', async () => {
    await client.startNew('orch', { instanceId: 'rs-1', input: { n: 7 } });
    engine.update('rs-1', { runtimeStatus: 'Completed' });
    engine.calls.length = 0;
    const restart = `${host.baseUrl}/runtime/webhooks/durabletask/instances/rs-1/restart?code=${host.durableTaskKey}`;
    const response = await fetch(restart, { method: 'POST' });
    const body = (await response.json()) as { id: string };
    expect(response.status).toBe(202);
    expect(body.id).toMatch(/^[0-9a-f]{32}$/);
    expect(engine.calls.at(-1)).toEqual(['startNew', 'orch', { instanceId: body.id, input: { n: 7 } }]);

    const sameId = await fetch(`${restart}&restartWithNewInstanceId=false`, { method: 'POST' });
    expect({ status: sameId.status, id: ((await sameId.json()) as { id: string }).id }).toEqual({
      status: 202,
      id: 'rs-1',
    });
    // rs-1 is now Pending again: restarting it in place collides with the running instance.
    expect((await fetch(`${restart}&restartWithNewInstanceId=false`, { method: 'POST' })).status).toBe(500);
    // The real API answers 400 for an unknown instance here (test/fixtures/real-durable/management-api.json).
    expect((await fetch(restart.replace('rs-1', 'ghost'), { method: 'POST' })).status).toBe(400);
  });

  it('getStatusBy follows x-ms-continuation-token, sending the filter with every page', async () => {
    // Later than every instance the other tests created, so the filter selects only these.
    await clock.advanceBy(3_600_000);
    const from = new Date(clock.now());
    const ids = ['by-1', 'by-2', 'by-3', 'by-4', 'by-5'];
    for (const id of ids) {
      await client.startNew('orch', { instanceId: id });
    }
    for (const id of ids.slice(0, 4)) {
      engine.update(id, { runtimeStatus: 'Running' });
    }
    requests.length = 0;
    engine.calls.length = 0;
    const running = await client.getStatusBy({ createdTimeFrom: from, runtimeStatus: ['Running'] as never });
    expect(running.map((s) => s.instanceId)).toEqual(['by-1', 'by-2', 'by-3', 'by-4']);
    // Inputs are listed unless showInput=false, as on the real API (test/fixtures/real-durable).
    const filter = { showInput: true, createdTimeFrom: from, runtimeStatus: ['Running'] };
    expect(engine.calls).toEqual([
      ['listInstances', filter],
      ['listInstances', { ...filter, continuationToken: '2' }],
    ]);
    expect(requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET /runtime/webhooks/durabletask/instances/?taskHub=Hub&connection=Storage&code=${host.durableTaskKey}` +
        `&createdTimeFrom=${from.toISOString()}&runtimeStatus=Running`,
      `GET /runtime/webhooks/durabletask/instances/?taskHub=Hub&connection=Storage&code=${host.durableTaskKey}` +
        `&createdTimeFrom=${from.toISOString()}&runtimeStatus=Running`,
    ]);
  });

  it('routes the entity API to the engine, and answers 501 for rewind', async () => {
    const entities = `${host.baseUrl}/runtime/webhooks/durabletask/entities`;
    const key = `code=${host.durableTaskKey}`;
    const signal = await fetch(`${entities}/Counter/k1?op=add&${key}`, {
      method: 'POST',
      body: '5',
      headers: { 'content-type': 'application/json' },
    });
    const text = await fetch(`${entities}/Counter/k1?op=note&${key}`, {
      method: 'POST',
      body: 'plain words',
    });
    const deleted = await fetch(`${entities}/Counter/k1?${key}`, { method: 'DELETE' });
    const missing = await fetch(`${entities}/Counter/k1?${key}`);
    engine.entities.set('counter@k1', { total: 5 });
    const present = await fetch(`${entities}/Counter/k1?${key}`);
    const listed = await fetch(`${entities}/Counter?top=5&fetchState=true&${key}`);
    expect([
      [signal.status, await signal.text()],
      [text.status, await text.text()],
      [deleted.status, await deleted.text()],
      [missing.status, await missing.text()],
      [present.status, await present.json()],
      [listed.status, await listed.json()],
    ]).toEqual([
      [202, ''],
      [202, ''],
      [202, ''],
      [404, ''],
      [200, { total: 5 }],
      [200, []],
    ]);
    expect(engine.calls).toEqual([
      ['signalEntity', { name: 'Counter', key: 'k1' }, 'add', 5],
      ['signalEntity', { name: 'Counter', key: 'k1' }, 'note', 'plain words'],
      ['signalEntity', { name: 'Counter', key: 'k1' }, 'delete', undefined],
      ['readEntityState', { name: 'Counter', key: 'k1' }],
      ['readEntityState', { name: 'Counter', key: 'k1' }],
      ['listEntities', { entityName: 'Counter', fetchState: true, pageSize: 5 }],
    ]);
    const rewind = await fetch(
      `${host.baseUrl}/runtime/webhooks/durabletask/instances/w-failed/rewind?reason=r&code=${host.durableTaskKey}`,
      { method: 'POST' },
    );
    expect({ status: rewind.status, body: await rewind.json() }).toEqual({
      status: 501,
      body: { Message: 'Rewind is not supported by the dev host' },
    });
  });

  it('the client reaches the entity API, and surfaces the 501 of rewind as an error', async () => {
    // The SDK wraps the ASP.NET-shaped error document itself (`new Error(response.data)`), as it would the
    // real host's, so the message is the object's string form.
    await expect(client.rewind('w-failed', 'again')).rejects.toThrow(new Error('[object Object]'));
    await client.signalEntity(new df.EntityId('Counter', 'k2'), 'add', 5);
    expect(await client.readEntityState(new df.EntityId('Counter', 'k2'))).toEqual({ entityExists: false });
    expect(engine.calls).toEqual([
      ['signalEntity', { name: 'Counter', key: 'k2' }, 'add', 5],
      ['readEntityState', { name: 'Counter', key: 'k2' }],
    ]);
  });

  it('createHttpManagementPayload gives the fixture payload on this host', () => {
    expect(client.createHttpManagementPayload('my-id')).toEqual(JSON.parse(fixturePayloadText()));
  });
});
