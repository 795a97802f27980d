import { afterEach, describe, expect, it } from 'vitest';

import type { FaultRule, ProgressRefreshOptions } from '../../dev/compute-sim';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

interface StartResponse {
  copies: { id: string }[];
}

/**
 * The copy orchestration on the dev host, polling the Compute simulator through the real arm-compute client
 * on a virtual clock, with refreshes that are not on a regular 10-minute grid.
 */
describe('phase-locked polling through the orchestrator', () => {
  let stack: AppStack | undefined;
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  /** Runs one 6-hour copy to its end, checking after every timer that Succeeded never comes early. */
  async function runCopy(progressRefresh: ProgressRefreshOptions, seed: number, faults: FaultRule[] = []) {
    stack = await startAppStack({ sim: { progressRefresh, seed } });
    const current = stack;
    await seedSource(current.h, { diskSizesGB: [256, 1056], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(current.h, 'rp1');
    const started = (await current.api('POST', 'copies', { sourceRestorePointId: source }))
      .body as StartResponse;
    const id = started.copies[0]?.id ?? '';
    // From here on: the copy request itself is not what is tested.
    current.h.sim.setFaults(faults);
    const target = restorePointId('src-westus2', 'rp1');
    const early: string[] = [];
    let etaCheck: { checkedAt: number; predictedEnd: number } | undefined;
    await current.clock.runUntil(async () => {
      const document = (await current.api('GET', `copies/${id}`)).body as CopyDocument;
      const truth = current.h.sim.getCopy(target);
      if (
        document.status === 'Succeeded' &&
        (truth?.state !== 'succeeded' || !truth.disks.every((disk) => disk.state === 'succeeded'))
      ) {
        early.push(`${new Date(current.clock.now()).toISOString()}: ${JSON.stringify(truth)}`);
      }
      if (
        etaCheck === undefined &&
        document.progress.percent >= 30 &&
        document.progress.etaSeconds !== null
      ) {
        etaCheck = {
          checkedAt: current.clock.now(),
          predictedEnd: current.clock.now() + document.progress.etaSeconds * 1000,
        };
      }
      return document.completedAt !== null;
    });
    const document = (await current.api('GET', `copies/${id}`)).body as CopyDocument;
    const endsAt = current.h.sim.copyEndsAt(target);
    const polls = current.h.sim.requestLog.filter(
      (entry) =>
        entry.method === 'GET' &&
        entry.path.toLowerCase() === target.toLowerCase() &&
        entry.query.includes('instanceView'),
    ).length;
    const throttled = current.h.sim.requestLog.filter((entry) => entry.status === 429).length;
    return { document, endsAt, early, etaCheck, polls, throttled };
  }

  const throttledReads: FaultRule[] = [
    {
      kind: 'http',
      method: 'GET',
      path: '**/restorePoints/*',
      probability: 0.25,
      effect: { type: 'throttle', retryAfterSeconds: 30 },
    },
  ];

  it.each([
    {
      name: 'regular refreshes at a random phase and period',
      refresh: { randomPhase: true, periodSpread: 0.05 },
    },
    {
      name: 'a quarter of the reads throttled',
      refresh: { randomPhase: true, periodSpread: 0.05 },
      faults: throttledReads,
    },
    {
      name: 'drifting refreshes (period up to 15 % off)',
      refresh: { randomPhase: true, periodSpread: 0.15 },
    },
    {
      name: 'late and skipped refreshes',
      refresh: { randomPhase: true, periodSpread: 0.05, jitterMs: 90_000, skipProbability: 0.25 },
    },
  ])('notices the end, never early, with $name', async ({ refresh, faults }) => {
    // Act
    const run = await runCopy(refresh, 3, faults);

    // Assess
    expect(run.throttled > 0).toBe(faults !== undefined);
    expect(run.early).toEqual([]);
    expect(run.document).toMatchObject({ status: 'Succeeded', usable: true });
    expect(run.document.progress.disks.map((disk) => disk.status)).toEqual(['Succeeded', 'Succeeded']);
    expect(run.endsAt).toBeDefined();
    const lagSeconds = (Date.parse(run.document.completedAt ?? '') - (run.endsAt ?? 0)) / 1000;
    expect(lagSeconds).toBeGreaterThanOrEqual(0);
    // Within a sweep step (and the activity's own time) even when the refreshes misbehave.
    expect(lagSeconds).toBeLessThanOrEqual(90);
    // Far fewer looks than polling every 10 minutes for 6 hours (36).
    expect(run.polls).toBeLessThan(36);
  });

  it('estimates the end from the slowest disk: at 30 % the ETA is within a tenth of the real remaining time', async () => {
    // Act: disks of 256 and 1056 GB copy in parallel; the big one sets the end.
    const run = await runCopy({ randomPhase: true, periodSpread: 0.05 }, 5);

    // Assess
    const { checkedAt = 0, predictedEnd = 0 } = run.etaCheck ?? {};
    const endsAt = run.endsAt ?? 0;
    expect(run.etaCheck).toBeDefined();
    expect(Math.abs(predictedEnd - endsAt)).toBeLessThanOrEqual(0.1 * (endsAt - checkedAt));
  });
});
