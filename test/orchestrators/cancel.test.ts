import { setTimeout as realDelay } from 'node:timers/promises';

import { afterEach, describe, expect, it } from 'vitest';

import type { DevDurableEngine } from '../../dev/host/durable';
import type { RequestLogEntry } from '../../dev/compute-sim';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

const DAY_MS = 86_400_000;
const westus2Only = { 'rpcopy-targets': 'westus2' };
const targetRestorePoints = (collection: string): string =>
  `/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/${collection}/restorePoints/*`;

/**
 * A cancel accepted with 202 must end the copy `Canceled` with one `Canceled` event, whatever the
 * orchestration was doing when it arrived. Each test puts the copy in one such moment, through the real
 * durable-functions replay code on the dev host.
 */
describe('canceling a copy at any moment, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
  const engine = (): DevDurableEngine => stack.host.engine as DevDurableEngine;

  async function cancel(id: string): Promise<void> {
    const response = await stack.api('POST', `copies/${id}/cancel`);
    expect(response.status).toBe(202);
  }

  /** Starts one copy of a fresh source restore point into westus2, from collection `collection`. */
  async function startCopy(collection = 'src', vm = 'vm1', diskSizesGB = [1024]): Promise<string> {
    await seedSource(stack.h, { vm, collection, diskSizesGB, tags: westus2Only });
    const source = await createSourceRestorePoint(stack.h, 'rp1', collection);
    const response = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    expect(response.status).toBe(202);
    return copyIdFor(source, 'westus2');
  }

  async function untilStatus(id: string, status: CopyDocument['status']): Promise<void> {
    await stack.clock.runUntil(async () => (await document(id)).status === status, {
      maxTime: stack.clock.now() + DAY_MS,
    });
  }

  /** The held request of a `latency` fault, once it has arrived (its status stays 0 until it is answered). */
  async function heldRequest(): Promise<RequestLogEntry> {
    for (let attempt = 0; attempt < 500; attempt++) {
      const held = stack.h.sim.requestLog.find((entry) => entry.fault === 'latency' && entry.status === 0);
      if (held !== undefined) {
        return held;
      }
      await realDelay(10);
    }
    throw new Error('the held request never arrived');
  }

  /**
   * Holds the next request to `path` for a few real seconds, drives the clock until it arrives, and calls
   * `whileHeld` while the activity that sent it is still waiting for the answer.
   */
  async function whileActivityHeld(
    method: string,
    path: string,
    whileHeld: (held: RequestLogEntry) => Promise<void>,
  ): Promise<void> {
    stack.h.sim.setFaults([{ kind: 'http', method, path, times: 1, effect: { type: 'latency', ms: 3000 } }]);
    const driving = stack.clock.runUntil(
      () => stack.h.sim.requestLog.some((entry) => entry.fault === 'latency' && entry.status !== 0),
      { maxTime: stack.clock.now() + DAY_MS },
    );
    const held = await heldRequest();
    await whileHeld(held);
    expect(held.status).toBe(0);
    await driving;
  }

  async function expectCanceled(id: string, events: string[]): Promise<void> {
    const status = await stack.waitForCopy(id);
    expect(status.runtimeStatus).toBe('Completed');
    expect(await document(id)).toMatchObject({ status: 'Canceled', usable: false });
    expect(stack.copyEventTypes(id)).toEqual(events);
  }

  /** The target once a deletion the copy started has had time to finish. */
  async function targetAfterDeletion(collection: string): Promise<unknown> {
    await stack.clock.advanceBy(10_000);
    return stack.h.sim.getCopy(restorePointId(collection, 'rp1'));
  }

  it('cancels a queued copy without ever requesting its target', async () => {
    // Prepare
    stack = await startAppStack({ settings: { RPCOPY_MAX_CONCURRENT_COPIES: '1' } });
    const first = await startCopy('a', 'vm1');
    await untilStatus(first, 'Replicating');
    const second = await startCopy('b', 'vm2');
    await untilStatus(second, 'Queued');
    await stack.clock.advanceBy(3_600_000);

    // Act
    await cancel(second);

    // Assess
    await expectCanceled(second, ['RestorePointCopy.Canceled']);
    const puts = stack.h.sim.requestLog.filter(
      (entry) => entry.method === 'PUT' && /b-westus2/i.test(entry.path),
    );
    expect(puts).toEqual([]);
    expect((await stack.waitForCopy(first)).runtimeStatus).toBe('Completed');
    expect((await document(first)).status).toBe('Succeeded');
  });

  it('cancels a copy while its target is being created, after it waited in the queue, and removes the target', async () => {
    // Prepare
    stack = await startAppStack({ settings: { RPCOPY_MAX_CONCURRENT_COPIES: '1' } });
    const first = await startCopy('a', 'vm1', [64]);
    await untilStatus(first, 'Replicating');
    const second = await startCopy('b', 'vm2', [64]);
    await untilStatus(second, 'Queued');

    // Act
    await whileActivityHeld('PUT', targetRestorePoints('b-westus2'), () => cancel(second));

    // Assess
    await expectCanceled(second, ['RestorePointCopy.Canceled']);
    expect(await targetAfterDeletion('b-westus2')).toBeUndefined();
  });

  it('cancels a copy waiting out a throttled copy request', async () => {
    // Prepare
    stack = await startAppStack();
    stack.h.sim.setFaults([
      {
        kind: 'http',
        method: 'PUT',
        path: targetRestorePoints('src-westus2'),
        times: 1,
        effect: { type: 'throttle', retryAfterSeconds: 3600 },
      },
    ]);
    const id = await startCopy();
    await stack.clock.runUntil(() => stack.h.sim.requestLog.some((entry) => entry.fault === 'throttle'));
    await stack.clock.advanceBy(60_000);

    // Act
    await cancel(id);

    // Assess
    await expectCanceled(id, ['RestorePointCopy.Canceled']);
    const puts = stack.h.sim.requestLog.filter(
      (entry) => entry.method === 'PUT' && /\/src-westus2\/restorePoints\//.test(entry.path),
    );
    expect(puts.map((entry) => entry.status)).toEqual([429]);
  });

  it('cancels a replicating copy waiting between two progress reads, once for two accepted cancels', async () => {
    // Prepare
    stack = await startAppStack();
    const id = await startCopy();
    await untilStatus(id, 'Replicating');
    await stack.clock.advanceBy(3_600_000);
    engine().pauseOrchestrations();

    // Act: both cancels are accepted before the orchestration sees either.
    await cancel(id);
    await cancel(id);
    engine().resumeOrchestrations();

    // Assess
    await expectCanceled(id, ['RestorePointCopy.Started', 'RestorePointCopy.Canceled']);
    expect(await targetAfterDeletion('src-westus2')).toBeUndefined();
  });

  it('cancels a replicating copy while a progress read is in flight, after earlier waits', async () => {
    // Prepare
    stack = await startAppStack();
    const id = await startCopy();
    await untilStatus(id, 'Replicating');
    await stack.clock.advanceBy(3_600_000);

    // Act
    await whileActivityHeld('GET', targetRestorePoints('src-westus2'), () => cancel(id));

    // Assess
    await expectCanceled(id, ['RestorePointCopy.Started', 'RestorePointCopy.Canceled']);
    expect(await targetAfterDeletion('src-westus2')).toBeUndefined();
  });

  it('cancels a copy whose cancel is replayed in one episode after the poll timer that came due', async () => {
    // Prepare
    stack = await startAppStack();
    const id = await startCopy();
    await untilStatus(id, 'Replicating');
    await stack.clock.advanceBy(3_600_000);
    engine().pauseOrchestrations();
    const due = stack.clock.nextDueAt() ?? 0;
    await stack.clock.advanceTo(due);

    // Act
    await cancel(id);
    engine().resumeOrchestrations();

    // Assess
    await expectCanceled(id, ['RestorePointCopy.Started', 'RestorePointCopy.Canceled']);
    expect(await targetAfterDeletion('src-westus2')).toBeUndefined();
  });

  it('cancels a copy when the host crashed after accepting the cancel, with a poll timer come due', async () => {
    // Prepare
    stack = await startAppStack();
    const id = await startCopy();
    await untilStatus(id, 'Replicating');
    await stack.clock.advanceBy(3_600_000);
    engine().pauseOrchestrations();
    await cancel(id);
    await stack.clock.advanceTo(stack.clock.nextDueAt() ?? 0);

    // Act
    await stack.restartHost();

    // Assess
    await expectCanceled(id, ['RestorePointCopy.Started', 'RestorePointCopy.Canceled']);
    expect(await targetAfterDeletion('src-westus2')).toBeUndefined();
  });

  it('cancels a copy whose cancel lands in the episode that continues as new', async () => {
    // Prepare: every progress read ends a generation.
    stack = await startAppStack({ settings: { RPCOPY_POLLS_PER_GENERATION: '1' } });
    const id = await startCopy();
    await untilStatus(id, 'Replicating');
    await stack.clock.advanceBy(3_600_000);

    // Act: the cancel queues behind the read's completion, so both reach the orchestrator together.
    await whileActivityHeld('GET', targetRestorePoints('src-westus2'), async () => {
      engine().pauseOrchestrations();
      await cancel(id);
    });
    engine().resumeOrchestrations();

    // Assess
    await expectCanceled(id, ['RestorePointCopy.Started', 'RestorePointCopy.Canceled']);
    expect(await targetAfterDeletion('src-westus2')).toBeUndefined();
  });
});
