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
  handler: async (timer, client, context) => {
    const { config, compute } = getRuntime();
    // The host's record of the previous occurrence; absent (or .NET's DateTime.MinValue) before the first.
    const last = Date.parse(timer.scheduleStatus?.last ?? '');
    await reconcile({
      client,
      config,
      compute,
      log: context,
      now: new Date(),
      ...(Number.isNaN(last) ? {} : { since: new Date(last) }),
    });
  },
});
