import { afterEach, describe, expect, it } from 'vitest';

import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

interface StartResponse {
  copies: { id: string }[];
}

const westus2Only = { 'rpcopy-targets': 'westus2' };

describe('copy orchestration when things go wrong, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  async function startOne(source: string): Promise<string> {
    const response = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    expect(response.status).toBe(202);
    const id = (response.body as StartResponse).copies[0]?.id;
    if (id === undefined) {
      throw new Error('no copy started');
    }
    return id;
  }

  /** The target in the simulator once a deletion the copy started has had time to finish. */
  async function targetAfterDeletion(): Promise<unknown> {
    await stack.clock.advanceBy(10_000);
    return stack.h.sim.getCopy(restorePointId('src-westus2', 'rp1'));
  }

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

  it('fails with platform-failure when a disk fails, removes the failed target and says so once', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [64, 512], tags: westus2Only });
    stack.h.sim.setFaults([
      { kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 30, disk: 1 } },
    ]);
    const source = await createSourceRestorePoint(stack.h, 'rp1');

    // Act
    const id = await startOne(source);
    const status = await stack.waitForCopy(id);
    const copy = await document(id);

    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    expect(copy).toMatchObject({
      status: 'Failed',
      usable: false,
      error: { category: 'platform-failure', code: 'ReplicationState/failed' },
    });
    expect(copy.error?.suggestion).toMatch(/Request the copy again/);
    expect(copy.progress.disks.map((disk) => disk.status)).toContain('Failed');
    expect(await targetAfterDeletion()).toBeUndefined();
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Failed']);
  });

  it('absorbs copy throttling with durable waits: four restore points, one region, all copied in order', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [1], tags: westus2Only });
    const sources: string[] = [];
    for (const name of ['rp1', 'rp2', 'rp3', 'rp4']) {
      sources.push(await createSourceRestorePoint(stack.h, name));
    }

    // Act
    const ids: string[] = [];
    for (const source of sources) {
      ids.push(await startOne(source));
    }
    const statuses = [];
    for (const id of ids) {
      statuses.push(await stack.waitForCopy(id));
    }
    const copies = await Promise.all(ids.map(document));

    // Assess
    expect(statuses.map((status) => status.runtimeStatus)).toEqual([
      'Completed',
      'Completed',
      'Completed',
      'Completed',
    ]);
    expect(copies.map((copy) => copy.status)).toEqual(['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
    const copyPuts = stack.h.sim.requestLog.filter(
      (entry) => entry.method === 'PUT' && /\/src-westus2\/restorePoints\//i.test(entry.path),
    );
    expect(copyPuts.some((entry) => entry.status === 429)).toBe(true);
    expect(copyPuts.filter((entry) => entry.status === 201)).toHaveLength(4);
    // One at a time, in creation order: each copy starts after the previous one ended.
    for (let index = 1; index < copies.length; index++) {
      expect(Date.parse(copies[index]?.startedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(copies[index - 1]?.completedAt ?? ''),
      );
    }
    for (const id of ids) {
      expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Succeeded']);
    }
  });

  it('times out before the platform limit, removes the stalled target and reports timeout', async () => {
    // Prepare
    stack = await startAppStack({ settings: { RPCOPY_COPY_TIMEOUT_HOURS: '6' } });
    await seedSource(stack.h, { diskSizesGB: [64, 64], tags: westus2Only });
    stack.h.sim.setFaults([{ kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: 40 } }]);
    const source = await createSourceRestorePoint(stack.h, 'rp1');

    // Act
    const id = await startOne(source);
    const status = await stack.waitForCopy(id);
    const copy = await document(id);

    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    expect(copy).toMatchObject({
      status: 'TimedOut',
      usable: false,
      error: { category: 'timeout', code: 'CopyTimedOut' },
      progress: { stalled: true, etaSeconds: null },
    });
    expect(Date.parse(copy.completedAt ?? '') - Date.parse(copy.startedAt ?? '')).toBe(6 * 3_600_000);
    expect(await targetAfterDeletion()).toBeUndefined();
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.TimedOut']);
  });

  it('cancels a replicating copy on request, deletes the partial target, and refuses to cancel it twice', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [4096], tags: westus2Only });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    const id = await startOne(source);
    await stack.host.waitForInstance(id, { statuses: ['Running'] });
    await stack.clock.runUntil(async () => (await document(id)).status === 'Replicating', {
      maxTime: stack.clock.now() + 86_400_000,
    });

    // Act
    const cancel = await stack.api('POST', `copies/${id}/cancel`);
    const status = await stack.waitForCopy(id);
    const again = await stack.api('POST', `copies/${id}/cancel`);
    const copy = await document(id);

    // Assess
    expect(cancel.status).toBe(202);
    expect(status.runtimeStatus).toBe('Completed');
    expect(copy).toMatchObject({ status: 'Canceled', usable: false });
    expect(await targetAfterDeletion()).toBeUndefined();
    expect(again).toEqual({
      status: 409,
      body: {
        error: { code: 'CopyAlreadyEnded', message: `Copy ${id} already ended with status Canceled.` },
      },
    });
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Canceled']);
  });
});
