import { afterEach, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import {
  RESOURCE_GROUP,
  START,
  createSourceRestorePoint,
  restorePointId,
  seedSource,
} from '../support/computeSim';
import {
  DAY_MS,
  HOUR_MS,
  eventsOfType,
  newSourceRestorePoint,
  policy,
  protection,
  restorePointNames,
  runTo,
} from './support';

const successfulDeletes = (stack: AppStack): string[] =>
  stack.h.sim.requestLog
    .filter((entry) => entry.method === 'DELETE' && entry.status < 300)
    .map((entry) => entry.path.split('/').at(-1) ?? '')
    .sort();

const prunedNames = (stack: AppStack): string[] =>
  eventsOfType(stack, 'RestorePointCopy.Pruned')
    .map((event) => String(event.subject).split('/').at(-1) ?? '')
    .sort();

async function setSourceTags(stack: AppStack, tags: Record<string, string>): Promise<void> {
  await stack.h.client.restorePointCollections.update(RESOURCE_GROUP, 'src', { tags });
}

describe('retention never deletes on a guess, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('keeps a restore point rpcopy did not make, waits out a copy in flight and keeps the newest usable copy', async () => {
    // Prepare: three rpcopy copies, then a copy someone made by hand into the same collection.
    stack = await startAppStack({
      settings: { RPCOPY_POLICY: policy({ rpoHours: 12 }), RPCOPY_PROTECTION_SCHEDULE: '0 15 * * * *' },
    });
    const targets = { 'rpcopy-targets': 'westus2' };
    await seedSource(stack.h, { diskSizesGB: [8], tags: targets });
    for (const [index, name] of ['rp0', 'rp1', 'rp2'].entries()) {
      await runTo(stack, START + index * 4 * HOUR_MS);
      await newSourceRestorePoint(stack, name);
    }
    await runTo(stack, START + 12 * HOUR_MS);
    const rp3 = await createSourceRestorePoint(stack.h, 'rp3');
    const manual = await stack.h.client.restorePoints.beginCreate(
      RESOURCE_GROUP,
      'src-westus2',
      'manual-rp3',
      {
        sourceRestorePoint: { id: rp3 },
      },
    );
    await manual.submitted();
    await runTo(stack, START + 16 * HOUR_MS);
    // The next copy stalls for two days: in flight.
    stack.h.sim.setFaults([
      { kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: 30, resumeAfterMs: 2 * DAY_MS } },
    ]);
    const rp4 = await newSourceRestorePoint(stack, 'rp4');
    await setSourceTags(stack, { ...targets, 'rpcopy-retention': 'keepLast=1' });

    // Act 1: sweeps run while the copy replicates.
    await runTo(stack, START + 40 * HOUR_MS);
    const duringFlight = {
      deletes: successfulDeletes(stack),
      names: await restorePointNames(stack, 'src-westus2'),
      inFlight: (await protection(stack)).pairs[0]?.copyInFlight?.copyId,
    };

    // Act 2: the copy lands; retention runs after it.
    await stack.waitForCopy(copyIdFor(rp4, 'westus2'));
    await runTo(stack, stack.clock.now() + HOUR_MS);
    const afterLanding = { names: await restorePointNames(stack, 'src-westus2'), pruned: prunedNames(stack) };

    // Act 3: the source stops producing; only copies younger than a day may stay.
    await setSourceTags(stack, { ...targets, 'rpcopy-retention': 'maxAgeDays=1' });
    await runTo(stack, START + 6 * DAY_MS);
    const entry = (await protection(stack)).pairs[0];

    // Assess
    expect(duringFlight).toEqual({
      deletes: [],
      names: ['manual-rp3', 'rp0', 'rp1', 'rp2', 'rp4'],
      inFlight: copyIdFor(rp4, 'westus2'),
    });
    expect(afterLanding).toEqual({ names: ['manual-rp3', 'rp4'], pruned: ['rp0', 'rp1', 'rp2'] });
    expect(await restorePointNames(stack, 'src-westus2')).toEqual(['manual-rp3', 'rp4']);
    expect(successfulDeletes(stack)).toEqual(['rp0', 'rp1', 'rp2']);
    expect(prunedNames(stack)).toEqual(['rp0', 'rp1', 'rp2']);
    expect(entry).toMatchObject({
      state: 'Breached',
      newestUsableCopy: { sourceRestorePointId: rp4 },
      reason: {
        code: 'NoRecentSourceRestorePoint',
        message: expect.stringMatching(/^no source restore point for \d+ hours$/),
      },
      retention: { maxAgeDays: 1, origin: 'tag' },
    });
  });

  it('in dry run reports what it would delete and deletes nothing', async () => {
    // Prepare
    stack = await startAppStack({
      settings: {
        RPCOPY_POLICY: policy({ retention: { keepLast: 1 } }),
        RPCOPY_RETENTION_DRY_RUN: 'true',
      },
    });
    await seedSource(stack.h, { diskSizesGB: [8], tags: { 'rpcopy-targets': 'westus2' } });

    // Act
    for (const [index, name] of ['rp0', 'rp1', 'rp2'].entries()) {
      await runTo(stack, START + index * 4 * HOUR_MS);
      await newSourceRestorePoint(stack, name);
    }
    await runTo(stack, START + 12 * HOUR_MS);

    // Assess
    expect(successfulDeletes(stack)).toEqual([]);
    expect(await restorePointNames(stack, 'src-westus2')).toEqual(['rp0', 'rp1', 'rp2']);
    const events = eventsOfType(stack, 'RestorePointCopy.Pruned');
    // After rp1 lands rp0 would go; after rp2, rp0 again (same id) and rp1.
    expect(events.map((event) => [String(event.subject).split('/').at(-1), event.id])).toEqual([
      ['rp0', `${restorePointId('src-westus2', 'rp0').toLowerCase()}:RestorePointCopy.Pruned:dry-run`],
      ['rp0', `${restorePointId('src-westus2', 'rp0').toLowerCase()}:RestorePointCopy.Pruned:dry-run`],
      ['rp1', `${restorePointId('src-westus2', 'rp1').toLowerCase()}:RestorePointCopy.Pruned:dry-run`],
    ]);
    expect(events.every((event) => (event.data as { dryRun: boolean }).dryRun)).toBe(true);
  });
});
