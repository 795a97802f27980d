import { describe, expect, it } from 'vitest';

import type { CopyOrchestrationInput } from '../../../src/domain/copyContracts';
import { ORCHESTRATOR_NAME } from '../../../src/domain/copyContracts';
import { createCopyDocument } from '../../../src/domain/copyDocument';
import { documentFromStatus } from '../../../src/azure/copyStatusStore';

const base = createCopyDocument({
  id: 'rpcopy-westus2-0123456789abcdef0123456789abcdef',
  sourceRestorePointId:
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/rp',
  sourceCollectionId:
    '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/c',
  targetRegion: 'westus2',
  requestedBy: 'http',
  createdAt: '2026-01-01T00:00:00.000Z',
});

const input: CopyOrchestrationInput = {
  copyId: base.id,
  sourceRestorePointId: base.sourceRestorePointId,
  sourceCollectionId: base.sourceCollectionId,
  targetRegion: 'westus2',
  requestedBy: 'http',
  requestedAt: base.createdAt,
  settings: {
    maxConcurrentCopies: 1,
    copyTimeoutSeconds: 3600,
    queueRecheckSeconds: 60,
    polling: {
      refreshIntervalSeconds: 600,
      maxIntervalSeconds: 3600,
      firstPollSeconds: 60,
      stallAfterPolls: 3,
    },
    pollsPerGeneration: 20,
    activityRetry: { firstRetryIntervalSeconds: 1, maxNumberOfAttempts: 2, backoffCoefficient: 2 },
  },
};

describe('documentFromStatus', () => {
  it('prefers the output, then the custom status, then the input of an instance that has not run', () => {
    const replicating = { ...base, status: 'Replicating' as const };
    const succeeded = { ...base, status: 'Succeeded' as const, usable: true };
    expect(
      documentFromStatus({
        name: ORCHESTRATOR_NAME,
        runtimeStatus: 'Completed',
        output: succeeded,
        customStatus: replicating,
      }),
    ).toEqual(succeeded);
    expect(
      documentFromStatus({
        name: ORCHESTRATOR_NAME,
        runtimeStatus: 'Running',
        customStatus: replicating,
        input,
      }),
    ).toEqual(replicating);
    expect(
      documentFromStatus({ name: ORCHESTRATOR_NAME, runtimeStatus: 'Pending', customStatus: null, input }),
    ).toEqual(base);
  });

  it('reports an orchestration that crashed or was terminated honestly', () => {
    expect(
      documentFromStatus({
        name: ORCHESTRATOR_NAME,
        runtimeStatus: 'Failed',
        customStatus: { ...base, status: 'Replicating' },
        lastUpdatedTime: '2026-01-02T00:00:00Z',
      }),
    ).toEqual({
      ...base,
      status: 'Failed',
      completedAt: '2026-01-02T00:00:00.000Z',
      error: {
        category: 'internal',
        code: 'OrchestrationFailed',
        message: 'The copy orchestration stopped with an error.',
        suggestion: 'rpcopy stopped unexpectedly. Check the function app logs, then request the copy again.',
      },
    });
    expect(
      documentFromStatus({
        name: ORCHESTRATOR_NAME,
        runtimeStatus: 'Terminated',
        customStatus: base,
        lastUpdatedTime: '2026-01-02T00:00:00Z',
      }),
    ).toEqual({ ...base, status: 'Canceled', completedAt: '2026-01-02T00:00:00.000Z' });
  });

  it('ignores other orchestrations', () => {
    expect(
      documentFromStatus({ name: 'somethingElse', runtimeStatus: 'Running', customStatus: base }),
    ).toBeUndefined();
  });
});
