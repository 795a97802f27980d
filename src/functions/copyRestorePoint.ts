import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import type { ActivityContext } from '../activities/createActivities';
import { getRuntime } from '../compositionRoot';
import type { ActivityInput, ActivityName, ActivityResult } from '../domain/copyContracts';
import { ActivityNames, ORCHESTRATOR_NAME } from '../domain/copyContracts';
import { readCopy } from '../azure/copyStatusStore';
import { raiseTurn } from '../azure/copyTurns';
import { copyRestorePointOrchestrator } from '../orchestrators/copyRestorePoint';

df.app.orchestration(ORCHESTRATOR_NAME, copyRestorePointOrchestrator);

const durableClient = df.input.durableClient();

/** Activities that read or wake other copies through a `durableClient` input binding. */
const NEEDS_DURABLE_CLIENT: ReadonlySet<ActivityName> = new Set(['wakeCopies']);

function activityContext(context: InvocationContext): ActivityContext {
  return {
    log: context,
    copies: {
      read: (copyId) => readCopy(df.getClient(context), copyId),
      wake: (copyId) => raiseTurn(df.getClient(context), copyId),
    },
  };
}

/** Registers one activity under its function name, typed by its entry in `CopyActivityContracts`. */
function registerActivity<N extends ActivityName>(name: N): void {
  df.app.activity(ActivityNames[name], {
    ...(NEEDS_DURABLE_CLIENT.has(name) ? { extraInputs: [durableClient] } : {}),
    handler: (input: ActivityInput<N>, context: InvocationContext): Promise<ActivityResult<N>> =>
      getRuntime().activities[name](input, activityContext(context)),
  });
}

for (const name of Object.keys(ActivityNames) as ActivityName[]) {
  registerActivity(name);
}
