import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost, type DevHost, type RequestLogEntry } from '../../dev/host';
import fixture from '../fixtures/durable/durable-client-http-calls.json';
import { FakeEngine } from './fakeEngine';

const appDir = path.join(__dirname, 'apps', 'client');

function rpcFixtureLines(): string[] {
  const start = fixture.requests.indexOf('--- rpcBaseUrl');
  return fixture.requests
    .slice(start + 1)
    .filter((line) => !line.startsWith('createHttpManagementPayload:') && !line.includes('/entities/'))
    .map((line) => line.replace(/ body=.*$/, ''));
}

describe('rpcBaseUrl mode: the extension-style local RPC endpoint', () => {
  const clock = new VirtualClock(Date.UTC(2025, 0, 2));
  let host: DevHost;
  let engine: FakeEngine;
  const requests: RequestLogEntry[] = [];

  beforeAll(async () => {
    host = await startDevHost({
      appDir,
      clock,
      durableClientMode: 'rpc',
      log: () => undefined,
      onRequest: (entry) => requests.push(entry),
      engineFactory: () => (engine = new FakeEngine(() => clock.now())),
    });
  });

  afterAll(async () => {
    await host.close();
  });

  it('adds rpcBaseUrl to the binding payload and the client sends every call there', async () => {
    const payload = host.durableClientPayload();
    expect(payload.rpcBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/durabletask\/$/);
    expect(payload.rpcBaseUrl?.startsWith(host.baseUrl)).toBe(false);

    const client = host.getClient();
    await client.startNew('orch', { input: { a: 1 } });
    await client.startNew('orch', { instanceId: 'my-id', input: 'str' });
    engine.update('my-id', { runtimeStatus: 'Running' });
    await client.getStatus('my-id', { showHistory: true, showHistoryOutput: true });
    await client.getStatusAll();
    await client.getStatusBy({
      createdTimeFrom: new Date('2025-01-01T00:00:00.000Z'),
      runtimeStatus: ['Running', 'Pending'] as never,
    });
    await client.raiseEvent('my-id', 'Approval', { ok: true });
    await client.terminate('my-id', 'no reason');
    await client.suspend('my-id', 'r');
    await client.resume('my-id', 'r');
    await client.purgeInstanceHistory('my-id');
    await client.purgeInstanceHistoryBy({
      createdTimeFrom: new Date('2025-01-01T00:00:00.000Z'),
      runtimeStatus: ['Completed'] as never,
    });

    expect(requests.map((r) => `${r.method} ${r.url} ct=${r.contentType}`)).toEqual(rpcFixtureLines());
    expect(requests.every((r) => r.listener === 'rpc')).toBe(true);
    expect(requests.map((r) => r.status)).toEqual([202, 202, 202, 200, 200, 202, 202, 410, 410, 200, 404]);
  });
});
