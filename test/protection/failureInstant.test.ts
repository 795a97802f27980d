import { afterEach, describe, expect, it } from 'vitest';

import type { DevDurableEngine } from '../../dev/host/durable';
import type { CopyDocument } from '../../src/domain/copyDocument';
import { pairIdFor } from '../../src/pairId';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { START, collectionId, restorePointId, seedSource } from '../support/computeSim';
import type { ProtectionPage } from './support';
import { HOUR_MS, newSourceRestorePoint, policy, protection, runTo } from './support';

/** Steps the virtual clock timer by timer until a copy has failed; the failed copy, at that very instant. */
async function runUntilACopyFails(stack: AppStack, limit: number): Promise<CopyDocument> {
  const engine = stack.host.engine as DevDurableEngine;
  for (;;) {
    await engine.whenIdle();
    await stack.clock.settle();
    const listed = (await stack.api('GET', 'copies?top=200')).body as { copies: CopyDocument[] };
    const failed = listed.copies.find((copy) => copy.status === 'Failed');
    if (failed !== undefined) {
      return failed;
    }
    const next = stack.clock.nextDueAt();
    if (next === undefined || next > limit) {
      throw new Error('no copy failed in time');
    }
    await stack.clock.advanceTo(next);
  }
}

describe('a pair at the instant its copy fails, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('names the failure at once, while the failed target restore point is still there, and keeps it', async () => {
    // Prepare: rp0 is copied; the first copy of rp10 that Azure accepts has its third disk fail at 40 %.
    stack = await startAppStack({
      settings: { RPCOPY_POLICY: policy({ rpoHours: 12 }) },
      sim: {
        faults: [
          {
            kind: 'copy',
            target: { sourceRestorePointName: 'rp10' },
            effect: { type: 'failDisk', atPercent: 40, disk: 2 },
          },
        ],
      },
    });
    await seedSource(stack.h, { diskSizesGB: [8, 16, 32] });
    await newSourceRestorePoint(stack, 'rp0');
    await runTo(stack, START + 10 * HOUR_MS);
    const rp10 = await newSourceRestorePoint(stack, 'rp10');

    // Act
    const failed = await runUntilACopyFails(stack, START + 11 * HOUR_MS);
    const pairId = pairIdFor(collectionId('src'), failed.targetRegion);
    const entryOf = (page: ProtectionPage) => page.pairs.find((pair) => pair.id === pairId);
    const atTheInstant = entryOf(await protection(stack));
    await runTo(stack, Date.parse(failed.completedAt ?? '') + 5 * 60_000);
    const minutesLater = entryOf(await protection(stack));

    // Assess: the same failure, with its end and fix, at the instant and after the target is cleaned up.
    expect(failed.error).toBeDefined();
    const lastFailure = {
      copyId: failed.id,
      status: 'Failed',
      sourceRestorePointId: rp10,
      endedAt: failed.completedAt,
      error: failed.error,
    };
    const reason = {
      code: 'CopyFailed',
      message: `The copy of ${rp10} ended Failed: ${failed.error?.message}`,
      category: failed.error?.category,
      suggestion: failed.error?.suggestion,
      copyId: failed.id,
    };
    const rp0 = await stack.h.client.restorePoints.get('rg-app', 'src', 'rp0');
    const newestUsableCopy = {
      targetRestorePointId: restorePointId(`src-${failed.targetRegion}`, 'rp0'),
      sourceRestorePointId: restorePointId('src', 'rp0'),
      sourceCreatedAt: rp0.timeCreated?.toISOString(),
      sourceCreatedAtApproximate: false,
    };
    expect(atTheInstant).toMatchObject({ state: 'AtRisk', newestUsableCopy, reason, lastFailure });
    expect(minutesLater).toMatchObject({ state: 'AtRisk', newestUsableCopy, reason, lastFailure });
  });
});
