import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventGridDeserializer, isSystemEvent } from '@azure/eventgrid';
import { afterEach, describe, expect, it } from 'vitest';
import type { SimHarness } from '../support/computeSim';
import {
  RESOURCE_GROUP,
  SUBSCRIPTION,
  createSourceRp,
  expectStatus,
  restorePointId,
  seedPair,
  startSimHarness,
} from '../support/computeSim';

interface Received {
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** A loopback webhook that answers with `statuses` in turn (then 200), recording every POST. */
async function startReceiver(
  statuses: number[] = [],
): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(text) });
      response.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/eventgrid?functionName=onWrite`,
    received,
    server,
  };
}

const deserializer = new EventGridDeserializer();

describe('ARM write events', () => {
  let h: SimHarness;
  let receiver: Server | undefined;
  afterEach(async () => {
    await h.close();
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
    receiver = undefined;
  });

  async function setUp(statuses?: number[]) {
    h = await startSimHarness();
    await seedPair(h, { location: 'eastus', osDiskGB: 8, targetRegion: 'westus' });
    const r = await startReceiver(statuses);
    receiver = r.server;
    return r;
  }

  it('announces a source restore point write when its LRO ends, in Event Grid schema', async () => {
    const { url, received } = await setUp();
    h.sim.subscribeEvents({ url, schema: 'EventGrid', headers: { 'x-functions-key': 'local' } });
    const putAt = h.clock.now();
    await expectStatus(
      h.call(
        'PUT',
        restorePointId('src', 'rp1'),
        {},
        { headers: { 'x-ms-correlation-request-id': 'corr-1' } },
      ),
      [201],
    );
    await h.clock.advanceBy(4_999);
    expect(received).toEqual([]);
    await h.clock.advanceBy(1);
    expect(received).toHaveLength(1);
    const [delivery] = received;
    expect(delivery?.headers).toMatchObject({
      'aeg-event-type': 'Notification',
      'content-type': 'application/json',
      'x-functions-key': 'local',
    });
    const rp = restorePointId('src', 'rp1');
    const tenantId = expect.stringMatching(/^[0-9a-f-]{36}$/);
    expect(delivery?.body).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        topic: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`,
        subject: rp,
        eventType: 'Microsoft.Resources.ResourceWriteSuccess',
        eventTime: new Date(putAt + 5_000).toISOString(),
        dataVersion: '2',
        metadataVersion: '1',
        data: {
          authorization: {
            scope: rp,
            action: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
            evidence: expect.objectContaining({
              role: 'Virtual Machine Contributor',
              principalType: 'ServicePrincipal',
            }),
          },
          claims: expect.objectContaining({
            aud: 'https://management.azure.com/',
            appidacr: '2',
            ver: '1.0',
          }),
          correlationId: 'corr-1',
          resourceProvider: 'Microsoft.Compute',
          resourceUri: rp,
          operationName: 'Microsoft.Compute/restorePointCollections/restorePoints/write',
          status: 'Succeeded',
          subscriptionId: SUBSCRIPTION,
          tenantId,
        },
      },
    ]);
    const [parsed] = await deserializer.deserializeEventGridEvents(JSON.stringify(delivery?.body));
    expect(parsed && isSystemEvent('Microsoft.Resources.ResourceWriteSuccess', parsed)).toBe(true);
    expect(JSON.stringify(delivery?.body)).not.toContain('test-token');
  });

  it('announces a copy in CloudEvents schema, at the end of its write (not of replication)', async () => {
    const { url, received } = await setUp();
    await createSourceRp(h, 'rp1');
    h.sim.subscribeEvents({ url, schema: 'CloudEvents' });
    await expectStatus(
      h.call('PUT', restorePointId('dst', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    await h.clock.advanceBy(5_000);
    expect(h.sim.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('inProgress');
    expect(received).toHaveLength(1);
    expect(received[0]?.headers['content-type']).toBe('application/cloudevents-batch+json; charset=utf-8');
    const [event] = await deserializer.deserializeCloudEvents(JSON.stringify(received[0]?.body));
    expect(event).toMatchObject({
      type: 'Microsoft.Resources.ResourceWriteSuccess',
      source: `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}`,
      subject: restorePointId('dst', 'rp1'),
      specversion: '1.0',
      data: { resourceUri: restorePointId('dst', 'rp1'), status: 'Succeeded' },
    });
  });

  it('sends duplicates with the same correlationId and a new event id', async () => {
    const { url, received } = await setUp();
    h.sim.subscribeEvents({ url, schema: 'EventGrid', duplicate: true });
    await createSourceRp(h, 'rp1');
    const events = received.map((r) => (r.body as { id: string; data: { correlationId: string } }[])[0]);
    expect(events).toHaveLength(2);
    expect(events[0]?.data.correlationId).toBe(events[1]?.data.correlationId);
    expect(events[0]?.id).not.toBe(events[1]?.id);
  });

  it('retries failed deliveries with exponential backoff on the clock', async () => {
    const { url, received } = await setUp([500, 503]);
    h.sim.subscribeEvents({ url, schema: 'EventGrid' });
    await expectStatus(h.call('PUT', restorePointId('src', 'rp1'), {}), [201]);
    const writtenAt = h.clock.now() + 5_000;
    await h.clock.advanceBy(60_000);
    expect(received).toHaveLength(3);
    const eventId = (received[0]?.body as { id: string }[])[0]?.id;
    expect(
      received.map((r) => [(r.body as { id: string }[])[0]?.id, r.headers['aeg-delivery-count']]),
    ).toEqual([
      [eventId, '0'],
      [eventId, '1'],
      [eventId, '2'],
    ]);
    expect(h.sim.deliveryLog.map((d) => [d.attempt, d.status, d.outcome, d.time - writtenAt])).toEqual([
      [1, 500, 'retrying', 0],
      [2, 503, 'retrying', 10_000],
      [3, 200, 'delivered', 30_000],
    ]);
  });

  it('does not retry 400, 401, 403 or 413', async () => {
    const { url } = await setUp([403]);
    h.sim.subscribeEvents({ url, schema: 'EventGrid' });
    await createSourceRp(h, 'rp1');
    await h.clock.advanceBy(86_400_000);
    expect(h.sim.deliveryLog.map((d) => [d.attempt, d.status, d.outcome])).toEqual([[1, 403, 'dropped']]);
  });

  it('gives up on an unreachable receiver after 30 attempts within 24 hours', async () => {
    const { url, server } = await setUp();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    receiver = undefined;
    h.sim.subscribeEvents({ url, schema: 'EventGrid' });
    await createSourceRp(h, 'rp1');
    await h.clock.advanceBy(2 * 86_400_000);
    const log = h.sim.deliveryLog;
    expect(log).toHaveLength(30);
    expect(log.every((d) => d.status === 0)).toBe(true);
    expect(log.at(-1)?.outcome).toBe('dropped');
    expect((log.at(-1)?.time ?? 0) - (log[0]?.time ?? 0)).toBeLessThanOrEqual(86_400_000);
    expect(log.slice(0, 11).map((d, i) => (i === 0 ? 0 : d.time - (log[i - 1]?.time ?? 0)))).toEqual([
      0, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 640_000, 1_280_000, 2_560_000, 3_600_000,
    ]);
  });
});
