import * as df from 'durable-functions';

import { withBoundedRetries } from '../azure/boundedRetries';
import { getRuntime } from '../compositionRoot';
import { handleArmEvent } from '../services/restorePointEvents';

/**
 * Azure Resource Manager events (Event Grid or CloudEvents schema) for new source restore points.
 *
 * @remarks Throws only for transient failures and configuration errors, so that Event Grid delivers the event
 * again; bad and irrelevant events are logged and dropped.
 */
df.app.client.eventGrid('startCopyEventGrid', {
  handler: async (event: unknown, client, context) => {
    const { config, compute } = getRuntime();
    await handleArmEvent(event, {
      client,
      config,
      compute: withBoundedRetries(compute),
      log: context,
      now: new Date(),
    });
  },
});
