import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import {
  buildDurableClientPayload,
  loadFunctionApp,
  type LoadedApp,
  type LogEntry,
} from '../../dev/host/worker';
import { orchestrationPayload } from '../support/orchestrationPayload';

const appDir = path.join(__dirname, 'apps', 'basic');

describe('loadFunctionApp on the basic sample app', () => {
  let app: LoadedApp;
  const warnings: unknown[][] = [];
  const logs: LogEntry[] = [];

  beforeAll(async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      warnings.push(args);
    });
    try {
      app = await loadFunctionApp({
        appDir,
        websiteHostname: '127.0.0.1:7999',
        log: (entry) => logs.push(entry),
        durableClientPayload: () =>
          buildDurableClientPayload({ origin: 'http://127.0.0.1:7999', taskHubName: 'BasicHub', key: 'k' }),
      });
    } finally {
      warn.mockRestore();
    }
  });

  afterAll(() => {
    delete process.env.BASIC_SAMPLE_GREETING;
  });

  it('registers every function for real, with no test-mode warning', () => {
    expect(warnings).toEqual([]);
    expect(logs.filter((entry) => entry.level === 'warning')).toEqual([]);
    const summary = Object.fromEntries(
      [...app.registry.values()].map((info) => [info.name, info.triggerType]),
    );
    expect(summary).toEqual({
      chain: 'orchestrationTrigger',
      fails: 'orchestrationTrigger',
      echo: 'activityTrigger',
      falsy: 'activityTrigger',
      boom: 'activityTrigger',
      startChain: 'httpTrigger',
      hello: 'httpTrigger',
      tick: 'timerTrigger',
      onEvent: 'eventGridTrigger',
    });
    expect(app.registry.get('startChain')?.trigger).toMatchObject({
      route: 'start/{name}',
      methods: ['POST'],
      authLevel: 'anonymous',
    });
    expect(app.registry.get('tick')?.trigger).toMatchObject({ schedule: '0 */5 * * * *' });
    expect(app.hostJson.routePrefix).toBe('api');
    expect(app.hostJson.hubName).toBe('BasicHub');
  });

  it('applies local.settings.json values and sets WEBSITE_HOSTNAME', () => {
    expect(process.env.BASIC_SAMPLE_GREETING).toBe('Hello');
    expect(process.env.WEBSITE_HOSTNAME).toBe('127.0.0.1:7999');
  });

  it('invokes an HTTP function through the pipeline and hooks', async () => {
    const response = await app.invoke('HELLO', {
      http: {
        method: 'GET',
        url: 'http://127.0.0.1:7999/api/hello?name=Ada',
        headers: {},
        query: { name: 'Ada' },
        params: {},
      },
    });
    const http = response.returnValue?.http;
    expect(http?.statusCode).toBe('200');
    expect(Buffer.from(http?.body?.bytes ?? []).toString('utf8')).toBe('{"greeting":"Hello, Ada"}');
    expect(logs.some((entry) => entry.category === 'user' && entry.message === 'greeting Ada')).toBe(true);
    const seen = (globalThis as { __basicSampleSeen?: unknown[] }).__basicSampleSeen;
    expect(seen?.at(-1)).toEqual({ post: 'hello' });
  });

  it('gives a durableClient input the binding payload, whose URLs the real client uses', async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        requests.push(`${req.method} ${req.url} ${body}`);
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'new-id' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    app.setDurableClientPayload(() =>
      buildDurableClientPayload({ origin: `http://127.0.0.1:${port}`, taskHubName: 'BasicHub', key: 'k' }),
    );
    try {
      const response = await app.invoke('startChain', {
        http: {
          method: 'POST',
          url: 'http://example.test:8080/api/start/chain',
          headers: {},
          query: {},
          params: { name: 'chain' },
          body: { string: 'x' },
        },
      });
      expect(requests).toEqual(['POST /runtime/webhooks/durabletask/orchestrators/chain?code=k "x"']);
      const http = response.returnValue?.http;
      expect(http?.statusCode).toBe('202');
      expect(http?.headers?.location).toBe(
        'http://example.test:8080/runtime/webhooks/durabletask/instances/new-id?taskHub=BasicHub&connection=Storage&code=k',
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('runs an orchestrator episode and returns its state', async () => {
    const result = await app.invoker.invokeOrchestrator(
      'chain',
      orchestrationPayload('i1', 'Tokyo', [
        { EventType: 12, EventId: -1, IsPlayed: false, Timestamp: '2025-01-01T00:00:00Z' },
        {
          EventType: 0,
          EventId: -1,
          IsPlayed: false,
          Timestamp: '2025-01-01T00:00:00Z',
          Name: 'chain',
          Input: '"Tokyo"',
        },
      ]),
    );
    expect(result).toEqual({
      kind: 'state',
      state: {
        isDone: false,
        actions: [[{ actionType: 0, functionName: 'echo', input: '"Tokyo"' }]],
        schemaVersion: 2,
      },
    });
  });

  it('splits an orchestrator failure on the $OutOfProcData$ label', async () => {
    const result = await app.invoker.invokeOrchestrator(
      'fails',
      orchestrationPayload('i2', null, [
        { EventType: 12, EventId: -1, IsPlayed: false, Timestamp: '2025-01-01T00:00:00Z' },
        { EventType: 0, EventId: -1, IsPlayed: false, Timestamp: '2025-01-01T00:00:00Z', Name: 'fails' },
      ]),
    );
    expect(result).toEqual({
      kind: 'orchestratorError',
      messageBeforeLabel: 'false',
      state: {
        isDone: false,
        actions: [[]],
        schemaVersion: 2,
        error: 'context_never_defined is not defined',
      },
    });
  });

  it('round-trips activity inputs and falsy outputs as JSON text', async () => {
    await expect(app.invoker.invokeActivity('echo', '"Tokyo"')).resolves.toEqual({
      ok: true,
      resultJson: '"Tokyo"',
    });
    await expect(app.invoker.invokeActivity('echo', '{"a":[1,2]}')).resolves.toEqual({
      ok: true,
      resultJson: '{"a":[1,2]}',
    });
    await expect(app.invoker.invokeActivity('echo', '2.5')).resolves.toEqual({ ok: true, resultJson: '2.5' });
    const falsy = await Promise.all(
      ['zero', 'false', 'empty', 'null', 'undefined'].map((kind) =>
        app.invoker.invokeActivity('falsy', JSON.stringify(kind)),
      ),
    );
    expect(falsy).toEqual([
      { ok: true, resultJson: '0' },
      { ok: true, resultJson: 'false' },
      { ok: true, resultJson: '""' },
      { ok: true, resultJson: null },
      { ok: true, resultJson: null },
    ]);
  });

  it('reports an activity error as name, message and stack', async () => {
    const result = await app.invoker.invokeActivity('boom', undefined);
    expect(result).toEqual({
      ok: false,
      error: { name: 'RangeError', message: 'activity went boom', stack: expect.stringContaining('boom') },
    });
  });

  it('knows which durable functions exist', () => {
    expect(app.invoker.hasFunction('chain', 'orchestrationTrigger')).toBe(true);
    expect(app.invoker.hasFunction('echo', 'orchestrationTrigger')).toBe(false);
    expect(app.invoker.hasFunction('echo', 'activityTrigger')).toBe(true);
    expect(app.invoker.hasFunction('missing', 'activityTrigger')).toBe(false);
  });
});
