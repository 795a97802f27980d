import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';

import type { ActivityContext } from '../activities/createActivities';
import { getRuntime } from '../compositionRoot';
import type {
  CheckCopyTurnInput,
  DeleteTargetRestorePointInput,
  EnsureTargetCollectionInput,
  GetCopyProgressInput,
  PublishCopyEventInput,
  ResolveCopySourceInput,
  StartRestorePointCopyInput,
} from '../domain/copyContracts';
import { ActivityNames, ORCHESTRATOR_NAME } from '../domain/copyContracts';
import { copyRestorePointOrchestrator } from '../orchestrators/copyRestorePointOrchestrator';
import { listLiveCopies } from '../azure/copyStatusStore';

df.app.orchestration(ORCHESTRATOR_NAME, copyRestorePointOrchestrator);

const durableClient = df.input.durableClient();

function activityContext(context: InvocationContext): ActivityContext {
  return {
    log: context,
    listLiveCopies: () => listLiveCopies(df.getClient(context)),
  };
}

df.app.activity(ActivityNames.resolveCopySource, {
  handler: (input: ResolveCopySourceInput) => getRuntime().activities.resolveCopySource(input),
});

df.app.activity(ActivityNames.checkCopyTurn, {
  extraInputs: [durableClient],
  handler: (input: CheckCopyTurnInput, context: InvocationContext) =>
    getRuntime().activities.checkCopyTurn(input, activityContext(context)),
});

df.app.activity(ActivityNames.ensureTargetCollection, {
  handler: (input: EnsureTargetCollectionInput) => getRuntime().activities.ensureTargetCollection(input),
});

df.app.activity(ActivityNames.startRestorePointCopy, {
  handler: (input: StartRestorePointCopyInput) => getRuntime().activities.startRestorePointCopy(input),
});

df.app.activity(ActivityNames.getCopyProgress, {
  handler: (input: GetCopyProgressInput) => getRuntime().activities.getCopyProgress(input),
});

df.app.activity(ActivityNames.deleteTargetRestorePoint, {
  handler: (input: DeleteTargetRestorePointInput) => getRuntime().activities.deleteTargetRestorePoint(input),
});

df.app.activity(ActivityNames.publishCopyEvent, {
  handler: (input: PublishCopyEventInput, context: InvocationContext) =>
    getRuntime().activities.publishCopyEvent(input, activityContext(context)),
});
