// Conformance on the critical-section pattern (context.df.lock): two orchestrations lock the same
// entities and never interleave, a lock is released on unlock, on completion and on terminate, and
// requests from others wait in the entity's queue meanwhile.
// Sample app: test/host/apps/criticalSection/.
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as df from 'durable-functions';

import { VirtualClock } from '../../../../dev/clock';
import { startDevHost, type DevHost } from '../../../../dev/host';

const appDir = path.join(__dirname, '..', '..', 'apps', 'criticalSection');
const START = Date.UTC(2026, 0, 1);
const MADT = 'Microsoft.Azure.WebJobs.Extensions.DurableTask';

interface Account {
  balance: number;
  log: string[];
}

describe('critical sections', () => {
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

  const account = (key: string): df.EntityId => new df.EntityId('Account', key);
  const read = async (key: string): Promise<Account | undefined> =>
    (await client.readEntityState<Account>(account(key))).entityState;

  it('runs two transfers over the same accounts one after the other, never interleaved', async () => {
    await client.signalEntity(account('a1'), 'add', { amount: 100, by: 'seed' });
    await host.engine.whenIdle();
    const first = await client.startNew('transfer', {
      instanceId: 't1',
      input: { from: 'a1', to: 'b1', amount: 70 },
    });
    await host.engine.whenIdle();
    // t1 holds both locks and waits on its timer; t2's lock request and a client signal queue behind it.
    const second = await client.startNew('transfer', {
      instanceId: 't2',
      input: { from: 'a1', to: 'b1', amount: 70 },
    });
    await host.engine.whenIdle();
    await client.signalEntity(account('a1'), 'add', { amount: 5, by: 'client' });
    await host.engine.whenIdle();
    expect(await read('a1')).toEqual({ balance: 100, log: ['seed:add 100', 't1:get'] });
    const results = [await host.waitForInstance(first), await host.waitForInstance(second)];
    // Without the lock t2 would have read 100 too and overdrawn the account.
    expect(results.map((status) => status.output)).toEqual([
      { moved: true, inside: { isLocked: true, owned: ['a1', 'b1'] }, afterRelease: false },
      { moved: false, inside: { isLocked: true, owned: ['a1', 'b1'] }, afterRelease: false },
    ]);
    expect(await read('a1')).toEqual({
      balance: 35,
      log: ['seed:add 100', 't1:get', 't1:add -70', 't2:get', 'client:add 5'],
    });
    expect(await read('b1')).toEqual({ balance: 70, log: ['t1:add 70'] });
  });

  it('orders the lock set, so transfers in opposite directions do not deadlock', async () => {
    await client.signalEntity(account('x'), 'add', { amount: 10, by: 'seed' });
    await client.signalEntity(account('y'), 'add', { amount: 10, by: 'seed' });
    await host.engine.whenIdle();
    const there = await client.startNew('transfer', {
      instanceId: 'xy',
      input: { from: 'x', to: 'y', amount: 10 },
    });
    const back = await client.startNew('transfer', {
      instanceId: 'yx',
      input: { from: 'y', to: 'x', amount: 20 },
    });
    expect((await host.waitForInstance(there)).output).toMatchObject({ moved: true });
    expect((await host.waitForInstance(back)).output).toMatchObject({ moved: true });
    expect(await read('x')).toMatchObject({ balance: 20 });
    expect(await read('y')).toMatchObject({ balance: 0 });
  });

  it('sends the lock request to the first entity, which forwards it, and one release per entity', async () => {
    const startedAt = `${new Date(clock.now()).toISOString().slice(0, -1)}0000Z`;
    const id = await client.startNew('transfer', {
      instanceId: 't3',
      input: { from: 'q2', to: 'q1', amount: 1 },
    });
    await host.waitForInstance(id);
    const history = (
      host.engine as unknown as { getHistory(id: string): Record<string, unknown>[] }
    ).getHistory(id);
    const sent = history
      .filter((event) => event.EventType === 14)
      .map((event) => [event.EventId, event.InstanceId, event.Name, JSON.parse(String(event.Input))]);
    expect(sent[0]).toEqual([
      0,
      '@account@q1',
      'op',
      {
        $type: `${MADT}.RequestMessage, ${MADT}`,
        op: null,
        id: expect.any(String) as unknown,
        parent: 't3',
        parentExecution: expect.any(String) as unknown,
        Timestamp: startedAt,
        Predecessor: '0001-01-01T00:00:00',
        lockset: [
          { $type: `${MADT}.EntityId, ${MADT}`, name: 'account', key: 'q1' },
          { $type: `${MADT}.EntityId, ${MADT}`, name: 'account', key: 'q2' },
        ],
      },
    ]);
    const lockId = (sent[0]?.[3] as { id: string }).id;
    // The call to q2 moved it to the end of the held locks, so its release goes last.
    const release = { $type: `${MADT}.ReleaseMessage, ${MADT}`, parent: 't3', id: lockId };
    expect(sent.slice(2)).toEqual([
      [3, '@account@q1', 'release', release],
      [4, '@account@q2', 'release', release],
    ]);
    const granted = history.find((event) => event.EventType === 15 && event.Name === lockId);
    expect(JSON.parse(String(granted?.Input))).toEqual({
      $type: `${MADT}.ResponseMessage, ${MADT}`,
      result: 'Lock Acquisition Completed',
    });
  });

  it('releases the locks of an orchestration that completes while holding them', async () => {
    const id = await client.startNew('lockAndReturn', { input: 'held1' });
    expect((await host.waitForInstance(id)).output).toBe('done');
    await client.signalEntity(account('held1'), 'add', { amount: 3, by: 'after' });
    await host.engine.whenIdle();
    expect(await read('held1')).toEqual({ balance: 3, log: ['after:add 3'] });
  });

  it('releases the locks of a terminated orchestration, so queued work runs', async () => {
    const id = await client.startNew('lockAndWait', { input: 'held2' });
    await host.engine.whenIdle();
    await client.signalEntity(account('held2'), 'add', { amount: 4, by: 'queued' });
    await host.engine.whenIdle();
    expect(await client.readEntityState(account('held2'))).toEqual({ entityExists: false });
    await client.terminate(id, 'stop');
    await host.waitForInstance(id);
    await host.engine.whenIdle();
    expect(await read('held2')).toEqual({ balance: 4, log: ['queued:add 4'] });
  });

  it('releases the locks of an orchestration that fails inside its section', async () => {
    const id = await client.startNew('lockAndFail', { input: 'held3' });
    expect((await host.waitForInstance(id)).runtimeStatus).toBe('Failed');
    await client.signalEntity(account('held3'), 'add', { amount: 6, by: 'after' });
    await host.engine.whenIdle();
    expect(await read('held3')).toEqual({ balance: 6, log: ['after:add 6'] });
  });

  it('drops the lock request of an orchestration terminated before the lock was granted', async () => {
    const holder = await client.startNew('lockAndWait', { input: 'held4' });
    await host.engine.whenIdle();
    const waiter = await client.startNew('lockAndWait', { input: 'held4' });
    await host.engine.whenIdle();
    await client.terminate(waiter, 'gave up');
    await host.waitForInstance(waiter);
    await client.terminate(holder, 'done');
    await host.waitForInstance(holder);
    await client.signalEntity(account('held4'), 'add', { amount: 7, by: 'free' });
    await host.engine.whenIdle();
    expect(await read('held4')).toEqual({ balance: 7, log: ['free:add 7'] });
  });
});
