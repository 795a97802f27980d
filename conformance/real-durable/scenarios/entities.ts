import * as df from 'durable-functions';

import type { Scenario, ScenarioDriver } from '../scenario';
import { managementCall } from './managementCall';

const APP = 'test/conformance/apps/entities';

/**
 * Waits until the entity's state is `expected`. Entity operations are asynchronous messages on both engines,
 * and waiting for each one keeps every batch a single operation, so batching does not depend on timing.
 */
async function untilState(driver: ScenarioDriver, entity: df.EntityId, expected: unknown): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 600; attempt++) {
    const response = await driver.client.readEntityState(entity);
    last = response.entityState;
    if (response.entityExists && JSON.stringify(last) === JSON.stringify(expected)) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `${entity.toString()} never reached ${JSON.stringify(expected)} (last ${JSON.stringify(last)})`,
  );
}

async function untilGone(driver: ScenarioDriver, entity: df.EntityId): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (!(await driver.client.readEntityState(entity)).entityExists) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${entity.toString()} still exists`);
}

/** The official entity samples (test/conformance/apps/entities) on the real engine. */
export const entityScenarios: Scenario[] = [
  {
    name: 'entity-counter',
    app: APP,
    async run(driver) {
      const { client } = driver;
      const counter = new df.EntityId('Counter', 'c1');
      driver.note({ readBeforeAnySignal: await client.readEntityState(counter) });
      driver.note(await managementCall(driver, 'GET', 'entities/Counter/c1'));
      await client.signalEntity(counter, 'add', 5);
      await untilState(driver, counter, 5);
      driver.note(await managementCall(driver, 'POST', 'entities/Counter/c1?op=add', 3));
      await untilState(driver, counter, 8);
      driver.note({ readAfterTwoAdds: await client.readEntityState(counter) });
      driver.note(await managementCall(driver, 'GET', 'entities/Counter/c1'));
      const id = await client.startNew('counterOrchestration', { instanceId: 'counter-orch', input: 'c1' });
      await driver.waitFor(id);
      // The orchestration's one-way signal lands after it completes.
      await untilState(driver, counter, 9);
      await client.signalEntity(counter, 'reset');
      await untilState(driver, counter, 0);
      await client.signalEntity(counter, 'delete');
      await untilGone(driver, counter);
      driver.note({ readAfterDelete: await client.readEntityState(counter) });
      driver.note(await managementCall(driver, 'GET', 'entities/Counter/c1'));
      return [id];
    },
  },
  {
    name: 'entity-critical-section',
    app: APP,
    async run(driver) {
      const { client } = driver;
      const alice = new df.EntityId('Account', 'alice');
      const bob = new df.EntityId('Account', 'bob');
      await client.signalEntity(alice, 'add', 100);
      await untilState(driver, alice, 100);
      const first = await client.startNew('transferFunds', {
        instanceId: 'transfer-1',
        input: { from: 'alice', to: 'bob', amount: 30 },
      });
      await driver.waitFor(first);
      await untilState(driver, bob, 30);
      const second = await client.startNew('transferFunds', {
        instanceId: 'transfer-2',
        input: { from: 'bob', to: 'alice', amount: 50 },
      });
      await driver.waitFor(second);
      driver.note({ alice: await client.readEntityState(alice), bob: await client.readEntityState(bob) });
      return [first, second];
    },
  },
];
