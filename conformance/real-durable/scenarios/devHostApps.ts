import type { DurableClient } from 'durable-functions';

import type { Scenario, ScenarioDriver } from '../scenario';
import { managementCall } from './managementCall';

const RUNNING = ['Running'];

/** Waits until the instance runs with this input, i.e. a continueAsNew has started the next generation. */
async function untilInput(
  driver: ScenarioDriver,
  client: DurableClient,
  id: string,
  input: unknown,
): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    await driver.waitFor(id, RUNNING);
    const status = await client.getStatus(id);
    if (JSON.stringify(status.input) === JSON.stringify(input)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} never ran with input ${JSON.stringify(input)}`);
}

/** The dev host's own Durable scenario apps (test/host/durable/apps), on the real engine. */
export const devHostAppScenarios: Scenario[] = [
  {
    name: 'retries',
    app: 'test/host/durable/apps/retries',
    async run(driver) {
      const { client } = driver;
      const succeeds = await client.startNew('retrying', {
        instanceId: 'retries-succeed',
        input: { key: 'a', failures: 2, first: 1000, attempts: 3 },
      });
      const givesUp = await client.startNew('retrying', {
        instanceId: 'retries-give-up',
        input: { key: 'b', failures: 5, first: 1000, attempts: 2, backoff: 2 },
      });
      await driver.waitFor(succeeds);
      await driver.waitFor(givesUp);
      return [succeeds, givesUp];
    },
  },
  {
    name: 'sub-orchestrations',
    app: 'test/host/durable/apps/subOrchestrations',
    async run(driver) {
      const id = await driver.client.startNew('parent', { instanceId: 'sub-parent' });
      await driver.waitFor(id);
      return [id, `${id}:failing`];
    },
  },
  {
    name: 'external-events',
    app: 'test/host/durable/apps/timerRace',
    async run(driver) {
      const { client } = driver;
      const id = await client.startNew('raceTimer', { instanceId: 'race-event', input: { cancel: true } });
      await driver.waitFor(id, RUNNING);
      await client.raiseEvent(id, 'Approval', { approved: true });
      await driver.waitFor(id);
      return [id];
    },
  },
  {
    name: 'continue-as-new',
    app: 'test/host/durable/apps/continueAsNew',
    async run(driver) {
      const { client } = driver;
      const counter = await client.startNew('counter', { instanceId: 'counter', input: 0 });
      for (let n = 0; n < 3; n++) {
        await untilInput(driver, client, counter, n);
        await client.raiseEvent(counter, 'go', null);
      }
      await driver.waitFor(counter);
      const eternal = await client.startNew('eternal', { instanceId: 'eternal', input: { gen: 0 } });
      await untilInput(driver, client, eternal, { gen: 0 });
      await client.raiseEvent(eternal, 'a', 'first');
      await untilInput(driver, client, eternal, { gen: 1 });
      await client.raiseEvent(eternal, 'b', 'second');
      await driver.waitFor(eternal);
      return [counter, eternal];
    },
  },
  {
    name: 'management-api',
    app: 'test/host/durable/apps/timerRace',
    async run(driver) {
      const note = (exchange: unknown): void => driver.note(exchange);
      note(await managementCall(driver, 'POST', 'orchestrators/raceTimer/mgmt-1', { cancel: true }));
      await driver.waitFor('mgmt-1', RUNNING);
      note(await managementCall(driver, 'GET', 'instances'));
      note(await managementCall(driver, 'POST', 'instances/mgmt-1/raiseEvent/Approval', 'yes'));
      await driver.waitFor('mgmt-1');
      note(await managementCall(driver, 'POST', 'instances/no-such-instance/restart'));
      note(await managementCall(driver, 'POST', 'instances/no-such-instance/raiseEvent/Approval', 'x'));
      note(await managementCall(driver, 'POST', 'instances/no-such-instance/terminate?reason=x'));
      note(await managementCall(driver, 'GET', 'instances/no-such-instance'));
      note(await managementCall(driver, 'POST', 'instances/mgmt-1/raiseEvent/Approval', 'late'));
      // The extension accepts any name at start and fails the instance when no orchestrator has it.
      note(await managementCall(driver, 'POST', 'orchestrators/noSuchOrchestrator/mgmt-unknown', { any: 1 }));
      await driver.waitFor('mgmt-unknown');
      return ['mgmt-1', 'mgmt-unknown'];
    },
  },
  {
    name: 'long-timers',
    app: 'test/host/durable/apps/longTimers',
    // As the extension's LongTimerTests: at most 10 s per timer, in 3 s steps.
    shortTimers: { maxShortTimerSeconds: 10, longTimerIntervalSeconds: 3 },
    async run(driver) {
      const id = await driver.client.startNew('sleeper', {
        instanceId: 'sleeper',
        input: { days: 11 / 86_400 },
      });
      await driver.waitFor(id);
      return [id];
    },
  },
];
