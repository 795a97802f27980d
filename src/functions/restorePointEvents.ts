import * as df from 'durable-functions';

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
    await handleArmEvent(event, client, getRuntime(), context, new Date());
  },
});
