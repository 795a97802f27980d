import * as df from 'durable-functions';

import { getRuntime } from '../compositionRoot';
import { readReconcileSchedule } from '../config';
import { reconcile } from '../services/reconcile';

/**
 * Catches restore points whose events were lost (compares sources with targets and starts what is missing),
 * and deletes targets that ended copies could not delete.
 */
df.app.client.timer('reconcileCopiesTimer', {
  schedule: readReconcileSchedule(),
  handler: async (_timer, client, context) => {
    const { config, compute } = getRuntime();
    await reconcile({ client, config, compute, log: context, now: new Date() });
  },
});
