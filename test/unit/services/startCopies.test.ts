import { describe, expect, it } from 'vitest';

import type { InstanceStatusLike } from '../../../src/azure/copyStatusStore';
import { loadConfig } from '../../../src/config';
import { copyIdFor } from '../../../src/copyId';
import { formatRestorePointId } from '../../../src/domain/armIds';
import { createCopyDocument } from '../../../src/domain/copyDocument';
import { ConflictError } from '../../../src/errors';
import type { StartCopyClient } from '../../../src/services/startCopies';
import { startCopy } from '../../../src/services/startCopies';

const SUBSCRIPTION = '11111111-2222-3333-4444-555555555555';
const source = {
  subscriptionId: SUBSCRIPTION,
  resourceGroup: 'rg',
  collectionName: 'src',
  restorePointName: 'rp1',
};
const id = copyIdFor(formatRestorePointId(source), 'westus2');

describe('startCopy', () => {
  it('answers a restart of a copy whose ended run is still finishing with 409 CopyStillEnding, not a failure', async () => {
    // Prepare: the run shows Canceled, but its orchestration still runs (removing the target), so the store
    // refuses a new run.
    const ended = {
      ...createCopyDocument({
        id,
        sourceRestorePointId: formatRestorePointId(source),
        sourceCollectionId:
          '/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/restorePointCollections/src',
        targetRegion: 'westus2',
        requestedBy: 'http',
        createdAt: '2026-01-01T00:00:00.000Z',
      }),
      status: 'Canceled' as const,
    };
    const client: StartCopyClient = {
      getStatus: (): Promise<InstanceStatusLike> =>
        Promise.resolve({
          name: 'copyRestorePointOrchestrator',
          runtimeStatus: 'Running',
          customStatus: ended,
        }),
      startNew: () =>
        Promise.reject(
          new Error(
            `An Orchestration instance with the status Running already exists. (instance ID '${id}')`,
          ),
        ),
    };

    // Act
    const started = startCopy(client, loadConfig({ RPCOPY_ALLOWED_SUBSCRIPTIONS: SUBSCRIPTION }), {
      source,
      targetRegion: 'westus2',
      requestedBy: 'http',
      restartEnded: true,
      now: new Date('2026-01-02T00:00:00.000Z'),
    });

    // Assess
    await expect(started).rejects.toBeInstanceOf(ConflictError);
    await expect(started).rejects.toMatchObject({
      statusCode: 409,
      code: 'CopyStillEnding',
      message: `Copy ${id} ended Canceled and is still cleaning up; request it again in a few seconds.`,
    });
  });
});
