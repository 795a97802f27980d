/**
 * Compile-time checks of the activity contracts, run by `npm run typecheck` (vitest does not load this file).
 * Each `@ts-expect-error` fails the build unless the line under it is an error: a wrong activity name, input
 * or result must not compile, in the orchestrator's `call` nor in the handlers `createActivities` returns.
 */
import type { Task } from 'durable-functions';

import type { Activities } from '../../src/activities/createActivities';
import type {
  GetCopyProgressResult,
  StartRestorePointCopyInput,
  StartRestorePointCopyResult,
} from '../../src/domain/copyContracts';
import type { CopyRun } from '../../src/orchestrators/copyRestorePoint/run';

function accept<T>(value: T): T {
  return value;
}

export function* orchestratorCalls(run: CopyRun): Generator<Task, void, unknown> {
  const progress = yield* run.call('getCopyProgress', { targetRestorePointId: 't' });
  if (progress.ok) {
    accept<GetCopyProgressResult>(progress.value);
    // @ts-expect-error: the result of another activity
    accept<StartRestorePointCopyResult>(progress.value);
  }

  // @ts-expect-error: no activity has this name
  yield* run.call('resolveSource', { copyId: 'c', sourceRestorePointId: 's', targetRegion: 'westus2' });

  // @ts-expect-error: the registered function name is not the activity's name in the contract
  yield* run.call('getCopyProgressActivity', { targetRestorePointId: 't' });

  // @ts-expect-error: another activity's input
  yield* run.call('getCopyProgress', { sourceRestorePointId: 's', targetRestorePointId: 't' });

  // @ts-expect-error: a required field is missing
  yield* run.call('startRestorePointCopy', { sourceRestorePointId: 's' });

  // @ts-expect-error: a field of the wrong type
  yield* run.call('publishCopyEvent', { type: 'RestorePointCopy.Started', document: 'not a document' });
}

export const handlers: Partial<Activities> = {
  // @ts-expect-error: a handler for another activity's input
  getCopyProgress: (_input: StartRestorePointCopyInput) =>
    Promise.resolve<GetCopyProgressResult>({ kind: 'not-found' }),

  // @ts-expect-error: a handler that returns another activity's result
  startRestorePointCopy: () => Promise.resolve<GetCopyProgressResult>({ kind: 'not-found' }),
};
