import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { VirtualClock } from '../../dev/clock';
import { startDevHost, type DevHost } from '../../dev/host';

const appDir = path.join(__dirname, 'apps', 'starter');
const START = Date.UTC(2026, 0, 1);

describe('HTTP starter sample app on the real engine', () => {
  const clock = new VirtualClock(START);
  let host: DevHost;

  beforeAll(async () => {
    host = await startDevHost({ appDir, clock, log: () => undefined });
  });

  afterAll(async () => {
    await host.close();
  });

  it('starts an orchestration from an HTTP function and serves its status at the Location URL', async () => {
    const response = await fetch(`${host.baseUrl}/api/orchestrators/helloCities/city-run-1`, {
      method: 'POST',
      body: JSON.stringify('Hi'),
      headers: { 'x-functions-key': host.functionKey },
    });
    const payload = (await response.json()) as Record<string, string>;
    expect(response.status).toBe(202);
    expect(response.headers.get('retry-after')).toBe('10');
    const statusUrl = `${host.baseUrl}/runtime/webhooks/durabletask/instances/city-run-1?taskHub=StarterHub&connection=Storage&code=${host.durableTaskKey}`;
    expect(response.headers.get('location')).toBe(statusUrl);
    expect(payload.id).toBe('city-run-1');
    expect(payload.statusQueryGetUri).toBe(statusUrl);

    const status = await host.waitForInstance('city-run-1');
    expect(status).toMatchObject({
      name: 'helloCities',
      instanceId: 'city-run-1',
      runtimeStatus: 'Completed',
      input: 'Hi',
      output: ['Hi Tokyo!', 'Hi Seattle!', 'Hi London!'],
    });

    const polled = await fetch(statusUrl);
    expect({ status: polled.status, body: await polled.json() }).toEqual({
      status: 200,
      body: {
        name: 'helloCities',
        instanceId: 'city-run-1',
        runtimeStatus: 'Completed',
        input: 'Hi',
        customStatus: null,
        output: ['Hi Tokyo!', 'Hi Seattle!', 'Hi London!'],
        createdTime: '2026-01-01T00:00:00Z',
        lastUpdatedTime: '2026-01-01T00:00:00Z',
      },
    });
  });

  it('keeps the orchestration running until its durable timer fires on the virtual clock', async () => {
    const response = await fetch(
      `${host.baseUrl}/api/orchestrators/sleepsADay/sleeper?code=${host.functionKey}`,
      {
        method: 'POST',
      },
    );
    expect(response.status).toBe(202);
    const running = await host.waitForInstance('sleeper', { statuses: ['Running'] });
    expect(running.runtimeStatus).toBe('Running');
    const polled = await fetch(((await response.json()) as { statusQueryGetUri: string }).statusQueryGetUri);
    expect(polled.status).toBe(202);

    const done = await host.waitForInstance('sleeper');
    expect(done).toMatchObject({
      runtimeStatus: 'Completed',
      output: `woke at ${new Date(START + 86_400_000).toISOString()}`,
    });
    expect(clock.now()).toBe(START + 86_400_000);
  });

  it('waitForCompletionOrCreateCheckStatusResponse returns the output of a quick orchestration', async () => {
    const response = await fetch(`${host.baseUrl}/api/run/helloCities`, { method: 'POST' });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 200,
      body: ['Hello Tokyo!', 'Hello Seattle!', 'Hello London!'],
    });
  });

  it('the function-level starter refuses callers without a key', async () => {
    const response = await fetch(`${host.baseUrl}/api/orchestrators/helloCities`, { method: 'POST' });
    expect(response.status).toBe(401);
  });

  it('runs 14 virtual days of durable timers inside waitForInstance', async () => {
    const client = host.getClient();
    const from = clock.now();
    const id = await client.startNew('fortnight');
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual(
      Array.from({ length: 14 }, (_, day) => new Date(from + (day + 1) * 86_400_000).toISOString()),
    );
    expect(clock.now()).toBe(from + 14 * 86_400_000);
  });

  it('refuses to run Durable functions through the admin API', async () => {
    const response = await fetch(`${host.baseUrl}/admin/functions/helloCities`, {
      method: 'POST',
      body: '{"input":"x"}',
      headers: { 'x-functions-key': host.masterKey },
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: { Message: "Function 'helloCities' is a Durable orchestrationTrigger; use the Durable HTTP API" },
    });
  });

  it('getClient() drives the same instances', async () => {
    const client = host.getClient();
    const id = await client.startNew('helloCities', { input: 'Hey' });
    const status = await host.waitForInstance(id);
    expect(status.output).toEqual(['Hey Tokyo!', 'Hey Seattle!', 'Hey London!']);
    const viaClient = await client.getStatus(id);
    expect(viaClient.runtimeStatus).toBe('Completed');
  });
});
