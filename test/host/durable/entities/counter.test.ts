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
});
