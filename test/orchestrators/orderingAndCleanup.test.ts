import { afterEach, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

const westus2Only = { 'rpcopy-targets': 'westus2' };
const anyMessage = expect.any(String) as string;

/** Requests that can never succeed are refused up front; targets that ended copies leave behind go away. */
describe('copy order and leftover targets, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  const document = async (id: string): Promise<CopyDocument> =>
    (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

  it('refuses an older restore point with 409 while a newer copy to the region is being started', async () => {
    // Prepare: rp2's copy request is throttled, so rp2 is Starting and not yet in the target collection.
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8], tags: westus2Only });
    const older = await createSourceRestorePoint(stack.h, 'rp1');
    const newer = await createSourceRestorePoint(stack.h, 'rp2');
    stack.h.sim.setFaults([
      {
        kind: 'http',
        method: 'PUT',
        path: '**/src-westus2/restorePoints/rp2',
        effect: { type: 'throttle', retryAfterSeconds: 3600 },
        times: 1,
      },
    ]);
    const newerId = copyIdFor(newer, 'westus2');
    expect((await stack.api('POST', 'copies', { sourceRestorePointId: newer })).status).toBe(202);
    await stack.clock.runUntil(() =>
      stack.h.sim.requestLog.some((entry) => entry.method === 'PUT' && entry.status === 429),
    );

    // Act
    const whileStarting = await document(newerId);
    const refused = await stack.api('POST', 'copies', { sourceRestorePointId: older });
    const list = (await stack.api('GET', 'copies')).body as { copies: CopyDocument[] };

    // Assess
    expect(whileStarting.status).toBe('Starting');
    expect(refused).toEqual({ status: 409, body: { error: { code: 'OutOfOrder', message: anyMessage } } });
    expect((refused.body as { error: { message: string } }).error.message).toContain(
      `newer ${newer} is being copied`,
    );
    expect(list.copies.map((copy) => copy.id)).toEqual([newerId]);
  });

  it('refuses an older restore point with 409 when a newer copy exists beside its own undeleted failed target, and reconciliation deletes that target', async () => {
    // Prepare: rp1's copy fails and its target cannot be deleted; rp2 is then copied.
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [256], tags: westus2Only });
    const older = await createSourceRestorePoint(stack.h, 'rp1');
    const newer = await createSourceRestorePoint(stack.h, 'rp2');
    const leftover = restorePointId('src-westus2', 'rp1');
    stack.h.sim.setFaults([
      {
        kind: 'copy',
        target: { sourceRestorePointName: 'rp1' },
        effect: { type: 'failDisk', atPercent: 30 },
      },
      {
        kind: 'http',
        method: 'DELETE',
        path: '**/src-westus2/restorePoints/rp1',
        effect: { type: 'status', status: 500 },
      },
    ]);
    const olderId = copyIdFor(older, 'westus2');
    await stack.api('POST', 'copies', { sourceRestorePointId: older });
    await stack.waitForCopy(olderId);
    const failed = await document(olderId);
    const newerId = copyIdFor(newer, 'westus2');
    await stack.api('POST', 'copies', { sourceRestorePointId: newer });
    await stack.waitForCopy(newerId);

    // Act
    const refused = await stack.api('POST', 'copies', { sourceRestorePointId: older });
    const beforeSweep = stack.h.sim.getCopy(leftover);
    stack.h.sim.setFaults([]);
    await stack.host.fireTimer('reconcileCopiesTimer');
    await stack.clock.advanceBy(10_000);
    const afterSweep = stack.h.sim.getCopy(leftover);

    // Assess
    expect(failed).toMatchObject({
      status: 'Failed',
      cleanup: { status: 'pending', targetRestorePointId: leftover, message: anyMessage },
    });
    expect((await document(newerId)).status).toBe('Succeeded');
    expect(refused).toEqual({ status: 409, body: { error: { code: 'OutOfOrder', message: anyMessage } } });
    expect(beforeSweep).toBeDefined();
    expect(afterSweep).toBeUndefined();
    expect((await document(olderId)).attempt).toBeUndefined();
  });

  it('rides out a dropped connection to Azure: POST /api/copies still answers 202', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8], tags: westus2Only });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    stack.h.sim.setFaults([
      { kind: 'http', method: 'GET', path: '**/src/restorePoints/rp1', effect: { type: 'drop' }, times: 1 },
    ]);

    // Act
    const response = await stack.api('POST', 'copies', { sourceRestorePointId: source });

    // Assess
    expect(response.status).toBe(202);
    expect((response.body as { copies: { id: string }[] }).copies.map((copy) => copy.id)).toEqual([
      copyIdFor(source, 'westus2'),
    ]);
    expect(stack.h.sim.requestLog.filter((entry) => entry.fault === 'drop')).toHaveLength(1);
  });

  it('treats a restore point whose event was dropped alike in every region: no copy and no event anywhere', async () => {
    // Prepare: rp0 is copied to both regions; rp1's event is lost; rp2's event arrives, and its copy request to
    // centralus is throttled, so centralus has rp2 in flight but not yet in Azure when reconciliation runs.
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8] });
    const webhook = `${stack.host.baseUrl}/runtime/webhooks/eventgrid?functionName=startCopyEventGrid&code=${stack.host.eventGridKey}`;
    stack.h.sim.subscribeEvents({ url: webhook, schema: 'CloudEvents' });
    const rp0 = await createSourceRestorePoint(stack.h, 'rp0');
    for (const region of ['westus2', 'centralus']) {
      await stack.waitForCopy(copyIdFor(rp0, region));
    }
    stack.h.sim.unsubscribeEvents(webhook);
    const rp1 = await createSourceRestorePoint(stack.h, 'rp1');
    stack.h.sim.subscribeEvents({ url: webhook, schema: 'CloudEvents' });
    stack.h.sim.setFaults([
      {
        kind: 'http',
        method: 'PUT',
        path: '**/src-centralus/restorePoints/rp2',
        effect: { type: 'throttle', retryAfterSeconds: 3600 },
        times: 1,
      },
    ]);
    const rp2 = await createSourceRestorePoint(stack.h, 'rp2');
    await stack.clock.runUntil(async () => {
      const westus2 = await document(copyIdFor(rp2, 'westus2'));
      return (
        ['Replicating', 'Succeeded'].includes(westus2.status) &&
        stack.h.sim.requestLog.some((entry) => entry.method === 'PUT' && entry.status === 429)
      );
    });

    // Act
    await stack.host.fireTimer('reconcileCopiesTimer');
    for (const region of ['westus2', 'centralus']) {
      await stack.waitForCopy(copyIdFor(rp2, region));
    }
    await stack.clock.advanceBy(3_600_000);
    const copies = ((await stack.api('GET', 'copies')).body as { copies: CopyDocument[] }).copies;

    // Assess
    expect(
      copies
        .map((copy) => [copy.sourceRestorePointId.split('/').at(-1), copy.targetRegion, copy.status])
        .sort(),
    ).toEqual([
      ['rp0', 'centralus', 'Succeeded'],
      ['rp0', 'westus2', 'Succeeded'],
      ['rp2', 'centralus', 'Succeeded'],
      ['rp2', 'westus2', 'Succeeded'],
    ]);
    for (const region of ['westus2', 'centralus']) {
      expect(stack.copyEventTypes(copyIdFor(rp1, region))).toEqual([]);
    }
  });
});
