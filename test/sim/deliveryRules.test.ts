import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimHarness } from '../support/computeSim';
import { createSourceRp, restorePointId, seedPair, startSimHarness } from '../support/computeSim';

const DAY = 86_400_000;

interface Receiver {
  url: string;
  /** Subjects of the events received, in order. */
  subjects: string[];
  close(): Promise<void>;
}

/** A loopback webhook answering `statuses` in turn, then 200. */
async function startReceiver(statuses: number[] = [], path = '/events'): Promise<Receiver> {
  const subjects: string[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      subjects.push(...(JSON.parse(text) as { subject: string }[]).map((e) => e.subject));
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    subjects,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('event delivery rules', () => {
  let h: SimHarness;
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await h.close();
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  async function setUp(statuses: number[] = []): Promise<Receiver> {
    h = await startSimHarness();
    await seedPair(h, { location: 'eastus', osDiskGB: 8, targetRegion: 'westus' });
    const receiver = await startReceiver(statuses);
    receivers.push(receiver);
    return receiver;
  }

  it.each([400, 401, 403, 413])('drops an event answered %i without retrying it', async (status) => {
    const receiver = await setUp([status]);
    h.sim.subscribeEvents({ url: receiver.url, schema: 'EventGrid' });
    await createSourceRp(h, 'rp1');
    await h.clock.advanceBy(DAY);
    expect(
      h.sim.deliveryLog.map(({ url, attempt, status: s, outcome }) => ({ url, attempt, s, outcome })),
    ).toEqual([{ url: receiver.url, attempt: 1, s: status, outcome: 'dropped' }]);
    expect(receiver.subjects).toEqual([restorePointId('src', 'rp1')]);
  });

  it.each([404, 408, 429, 500, 502, 503])('retries an event answered %i', async (status) => {
    const receiver = await setUp([status]);
    h.sim.subscribeEvents({ url: receiver.url, schema: 'CloudEvents' });
    await createSourceRp(h, 'rp1');
    await h.clock.advanceBy(DAY);
    expect(h.sim.deliveryLog.map(({ attempt, status: s, outcome }) => ({ attempt, s, outcome }))).toEqual([
      { attempt: 1, s: status, outcome: 'retrying' },
      { attempt: 2, s: 200, outcome: 'delivered' },
    ]);
    expect(receiver.subjects).toEqual([restorePointId('src', 'rp1'), restorePointId('src', 'rp1')]);
  });
});
