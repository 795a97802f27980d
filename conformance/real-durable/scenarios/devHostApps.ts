import type { Scenario } from '../scenario';

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
];
