import { afterEach, describe, expect, it } from 'vitest';

import type { DevDurableEngine } from '../../dev/host/durable';
import type { CopyOrchestrationInput } from '../../src/domain/copyContracts';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { collectionId, createSourceRestorePoint, seedSource } from '../support/computeSim';

const westus2Only = { 'rpcopy-targets': 'westus2' };

describe('generations of a copy orchestration, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
  const generationOf = (input: unknown): number =>
    (input as Partial<CopyOrchestrationInput>).carried?.generation ?? 0;

  it.each([
    { pollsPerGeneration: 2, shape: 'two failed attempts per generation' },
    { pollsPerGeneration: 10, shape: 'two failed calls in the first generation' },
  ])(
    'gives up on a turn check Azure keeps failing at the limit, counting across generations ($shape)',
    async ({ pollsPerGeneration }) => {
      // Prepare: a deadline of hours, so that a copy whose count restarts every generation times out instead.
      stack = await startAppStack({
        settings: {
          RPCOPY_POLLS_PER_GENERATION: String(pollsPerGeneration),
          RPCOPY_COPY_TIMEOUT_HOURS: '2',
        },
      });
      await seedSource(stack.h, { diskSizesGB: [64], tags: westus2Only });
      const source = await createSourceRestorePoint(stack.h, 'rp1');
      const id = copyIdFor(source, 'westus2');
      const target = collectionId('src-westus2');
      const targetGet = (entry: { method: string; path: string }): boolean =>
        entry.method === 'GET' && entry.path.toLowerCase() === target.toLowerCase();
      const engine = stack.host.engine as DevDurableEngine;
      // The API reads the target collection too: fail it only once the orchestration is the one asking.
      engine.pauseOrchestrations();
      expect((await stack.api('POST', 'copies', { sourceRestorePointId: source })).status).toBe(202);
      stack.h.sim.setFaults([
        { kind: 'http', method: 'GET', path: target, effect: { type: 'status', status: 503 } },
      ]);
      stack.h.sim.clearRequestLog();

      // Act
      engine.resumeOrchestrations();
      const status = await stack.waitForCopy(id);
      const copy = await document(id);

      // Assess: three turn checks of five attempts each, then Failed, spread over several generations.
      expect(status.runtimeStatus).toBe('Completed');
      expect(copy).toMatchObject({
        status: 'Failed',
        error: { category: 'platform-failure', code: 'AzureUnavailable' },
      });
      expect(stack.h.sim.requestLog.filter(targetGet).map((entry) => entry.status)).toEqual(
        Array.from({ length: 15 }, () => 503),
      );
      expect(generationOf(status.input)).toBeGreaterThanOrEqual(pollsPerGeneration === 2 ? 5 : 1);
      expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Failed']);
    },
  );
});
