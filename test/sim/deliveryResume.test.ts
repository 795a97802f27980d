import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import type { ComputeSimulator } from '../../dev/compute-sim';
import { readSavedClockTime, startComputeSimulator } from '../../dev/compute-sim';
import {
  START,
  createSourceRp,
  expectStatus,
  simHarnessFor,
  restorePointId,
  seedPair,
} from '../support/computeSim';

interface Delivery {
  eventId: string;
  subject: string;
  deliveryCount: string | undefined;
}

interface Receiver {
  url: string;
  received: Delivery[];
  /** Replies still held by a `hold` receiver. */
  held: ServerResponse[];
  close(): Promise<void>;
}

/** A loopback webhook: answers `statuses` in turn, then 200; with `hold`, never answers the first request. */
async function startReceiver(statuses: number[] = [], hold = false): Promise<Receiver> {
  const received: Delivery[] = [];
  const held: ServerResponse[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const [event] = JSON.parse(text) as { id: string; subject: string }[];
      const headers: IncomingHttpHeaders = request.headers;
      received.push({
        eventId: event?.id ?? '',
        subject: event?.subject ?? '',
        deliveryCount: headers['aeg-delivery-count']?.toString(),
      });
      if (hold && received.length === 1) {
        held.push(response);
      } else {
        response.writeHead(statuses.shift() ?? 200).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    received,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('event deliveries across a restart with --state', () => {
  let dir: string;
  const running: ComputeSimulator[] = [];
  const receivers: Receiver[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compute-sim-deliveries-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(
    stateFile: string,
    at = START,
  ): Promise<{ clock: VirtualClock; sim: ComputeSimulator }> {
    const clock = new VirtualClock(at);
    const sim = await startComputeSimulator({ clock, tls: false, lroRetryAfterSeconds: 0, stateFile });
    running.push(sim);
    return { clock, sim };
  }

  async function receiver(statuses: number[] = [], hold = false): Promise<Receiver> {
    const r = await startReceiver(statuses, hold);
    receivers.push(r);
    return r;
  }

  it('saves a retry pending at shutdown and the restarted simulator delivers it when due', async () => {
    const file = join(dir, 'sim.json');
    const webhook = await receiver([503]);
    const first = await start(file);
    const h1 = simHarnessFor(first.clock, first.sim);
    await seedPair(h1, { location: 'eastus', osDiskGB: 8, targetRegion: 'westus' });
    first.sim.subscribeEvents({ url: webhook.url, schema: 'EventGrid' });
    await createSourceRp(h1, 'rp1');
    const writtenAt = first.clock.now() - 5_000;
    expect(first.sim.deliveryLog.map((d) => [d.attempt, d.status, d.outcome, d.time])).toEqual([
      [1, 503, 'retrying', writtenAt],
    ]);
    await first.sim.close();
    const eventId = webhook.received[0]?.eventId ?? '';
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { pendingDeliveries: unknown };
    expect(saved.pendingDeliveries).toEqual([
      {
        url: webhook.url,
        schema: 'EventGrid',
        event: expect.objectContaining({ id: eventId, subject: restorePointId('src', 'rp1') }),
        attempt: 2,
        firstAttemptAt: writtenAt,
        dueAt: writtenAt + 10_000,
      },
    ]);

    const second = await start(file, readSavedClockTime(file));
    await second.clock.advanceTo(writtenAt + 10_000 - 1);
    expect(webhook.received).toHaveLength(1);
    await second.clock.advanceTo(writtenAt + 10_000);
    expect(webhook.received).toEqual([
      { eventId, subject: restorePointId('src', 'rp1'), deliveryCount: '0' },
      { eventId, subject: restorePointId('src', 'rp1'), deliveryCount: '1' },
    ]);
    expect(second.sim.deliveryLog.map((d) => [d.eventId, d.attempt, d.status, d.outcome, d.time])).toEqual([
      [eventId, 2, 200, 'delivered', writtenAt + 10_000],
    ]);
    await second.sim.close();
    expect(
      (JSON.parse(readFileSync(file, 'utf8')) as { pendingDeliveries: unknown }).pendingDeliveries,
    ).toEqual([]);
  });

  it('sends a delivery interrupted in flight by shutdown again after the restart (at least once)', async () => {
    const file = join(dir, 'sim.json');
    const webhook = await receiver([], true);
    const first = await start(file);
    const h1 = simHarnessFor(first.clock, first.sim);
    await seedPair(h1, { location: 'eastus', osDiskGB: 8, targetRegion: 'westus' });
    first.sim.subscribeEvents({ url: webhook.url, schema: 'CloudEvents' });
    await expectStatus(h1.call('PUT', restorePointId('src', 'rp1'), {}), [201]);
    // The write ends at +5 s and its delivery starts. The receiver holds it, and the clock waits for tracked
    // work, so the advance only returns once the shutdown has aborted the delivery.
    const advancing = first.clock.advanceBy(5_000);
    while (webhook.received.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await first.sim.close();
    await advancing;
    expect(first.sim.deliveryLog).toEqual([]);

    const second = await start(file, readSavedClockTime(file));
    await second.clock.advanceBy(0);
    const eventId = webhook.received[0]?.eventId ?? '';
    expect(webhook.received).toEqual([
      { eventId, subject: restorePointId('src', 'rp1'), deliveryCount: '0' },
      { eventId, subject: restorePointId('src', 'rp1'), deliveryCount: '0' },
    ]);
    expect(second.sim.deliveryLog.map((d) => [d.eventId, d.attempt, d.status, d.outcome])).toEqual([
      [eventId, 1, 200, 'delivered'],
    ]);
  });
});

describe('unsubscribeEvents', () => {
  const running: ComputeSimulator[] = [];
  const receivers: Receiver[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
    await Promise.all(receivers.splice(0).map((r) => r.close()));
  });

  it('moves a webhook: the old URL gets nothing more, not even its pending retries; the new one gets new writes', async () => {
    const clock = new VirtualClock(START);
    const sim = await startComputeSimulator({ clock, tls: false, lroRetryAfterSeconds: 0 });
    running.push(sim);
    const h = simHarnessFor(clock, sim);
    await seedPair(h, { location: 'eastus', osDiskGB: 8, targetRegion: 'westus' });
    const oldHook = await startReceiver([500, 500, 500]);
    const newHook = await startReceiver();
    receivers.push(oldHook, newHook);
    sim.subscribeEvents({ url: oldHook.url, schema: 'EventGrid' });
    sim.subscribeEvents({ url: oldHook.url, schema: 'CloudEvents' });
    await createSourceRp(h, 'rp1');
    expect(sim.deliveryLog.map((d) => [d.url, d.outcome])).toEqual([
      [oldHook.url, 'retrying'],
      [oldHook.url, 'retrying'],
    ]);

    sim.subscribeEvents({ url: newHook.url, schema: 'EventGrid' });
    expect(sim.unsubscribeEvents(oldHook.url)).toBe(2);
    expect(sim.unsubscribeEvents(oldHook.url)).toBe(0);
    await clock.advanceBy(86_400_000);
    expect(oldHook.received).toHaveLength(2);
    await createSourceRp(h, 'rp2');
    expect(oldHook.received).toHaveLength(2);
    expect(newHook.received.map((d) => d.subject)).toEqual([restorePointId('src', 'rp2')]);
    expect(sim.deliveryLog.map((d) => [d.url, d.subject, d.outcome])).toEqual([
      [oldHook.url, restorePointId('src', 'rp1'), 'retrying'],
      [oldHook.url, restorePointId('src', 'rp1'), 'retrying'],
      [newHook.url, restorePointId('src', 'rp2'), 'delivered'],
    ]);
  });
});
