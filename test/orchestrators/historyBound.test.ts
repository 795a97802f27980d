import { afterEach, describe, expect, it, vi } from 'vitest';

import type { CopyOrchestrationInput } from '../../src/domain/copyContracts';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

const westus2Only = { 'rpcopy-targets': 'westus2' };

/**
 * Events an episode appends to the history it was handed: one scheduled task and OrchestratorCompleted, or
 * the closing ContinueAsNew (ExecutionCompleted) and OrchestratorCompleted.
 */
const APPENDED_PER_EPISODE = 2;

// Its own file: the dev host leaves app settings in process.env, and this test needs the default deadline.
describe('history of a copy orchestration, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
  const generationOf = (input: unknown): number =>
    (input as Partial<CopyOrchestrationInput>).carried?.generation ?? 0;

  it('keeps every execution of queued copies within 100 history events', async () => {
    // Prepare: one copy of hours holds the only slot; two more queue behind it, rechecking every 2 minutes,
    // with no cap on waits per generation: only the history limit ends their generations.
    stack = await startAppStack({
      settings: { RPCOPY_MAX_CONCURRENT_COPIES: '1', RPCOPY_POLLS_PER_GENERATION: '500' },
    });
    const invocations = vi.spyOn(stack.host.app.invoker, 'invokeOrchestrator');
    const ids: string[] = [];
    for (const [vm, collection] of [
      ['vm1', 'a'],
      ['vm2', 'b'],
      ['vm3', 'c'],
    ] as const) {
      await seedSource(stack.h, { vm, collection, diskSizesGB: [512], tags: westus2Only });
      const source = await createSourceRestorePoint(stack.h, 'rp1', collection);
      expect((await stack.api('POST', 'copies', { sourceRestorePointId: source })).status).toBe(202);
      ids.push(copyIdFor(source, 'westus2'));
    }

    // Act
    for (const id of ids) {
      await stack.waitForCopy(id);
    }

    // Assess: each episode is handed the whole history of its execution so far.
    const largest = new Map<string, number>();
    const executions = new Map<string, Set<number>>();
    for (const [, payload] of invocations.mock.calls) {
      const generation = generationOf(payload.input);
      const key = `${payload.instanceId} ${generation}`;
      largest.set(key, Math.max(largest.get(key) ?? 0, payload.history.length + APPENDED_PER_EPISODE));
      executions.set(payload.instanceId, (executions.get(payload.instanceId) ?? new Set()).add(generation));
    }
    expect(await Promise.all(ids.map(async (id) => (await document(id)).status))).toEqual([
      'Succeeded',
      'Succeeded',
      'Succeeded',
    ]);
    expect(Math.max(...largest.values())).toBeLessThanOrEqual(100);
    expect(Math.max(...largest.values())).toBeGreaterThan(80);
    expect(executions.get(ids[2] ?? '')?.size).toBeGreaterThan(3);
  });
});
