import { afterEach, describe, expect, it } from 'vitest';

import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { StalledEventData } from '../../src/domain/protectionEvents';
import { STALL_SUGGESTION } from '../../src/domain/protectionEvents';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';
import { DAY_MS, eventsOfType } from './support';

describe('a stalled copy, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('a 3-day replication stall sends exactly one Stalled event, and the copy still succeeds', async () => {
    // Prepare: the second disk stops at 40 % for three days, then goes on.
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [32, 512], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    stack.h.sim.setFaults([
      {
        kind: 'copy',
        target: 'next',
        effect: { type: 'stall', atPercent: 40, disk: 1, resumeAfterMs: 3 * DAY_MS },
      },
    ]);
    const id = copyIdFor(source, 'westus2');

    // Act
    await stack.api('POST', 'copies', { sourceRestorePointId: source });
    const status = await stack.waitForCopy(id);
    const copy = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    // Assess
    expect(status.runtimeStatus).toBe('Completed');
    expect(copy).toMatchObject({
      status: 'Succeeded',
      usable: true,
      progress: { percent: 100, stalled: false },
    });
    expect(Date.parse(copy.completedAt ?? '') - Date.parse(copy.startedAt ?? '')).toBeGreaterThan(3 * DAY_MS);
    const stalled = eventsOfType(stack, 'RestorePointCopy.Stalled');
    expect(stalled).toHaveLength(1);
    const data = stalled[0]?.data as StalledEventData;
    const target = restorePointId('src-westus2', 'rp1');
    expect(stalled[0]).toMatchObject({
      id: `${id}:RestorePointCopy.Stalled:${data.percent}`,
      subject: target,
    });
    expect(data).toMatchObject({
      copyId: id,
      sourceRestorePointId: source,
      targetRestorePointId: target,
      targetRegion: 'westus2',
      suggestion: STALL_SUGGESTION,
    });
    expect(data.disks).toEqual([{ id: copy.progress.disks[1]?.id, percent: 40 }]);
    expect(data.stalledForSeconds).toBeGreaterThan(0);
    expect(Date.parse(data.stalledSince)).toBeLessThan(Date.parse(String(stalled[0]?.time)));
    expect(stack.copyEventTypes(id)).toEqual(['RestorePointCopy.Started', 'RestorePointCopy.Succeeded']);
  });
});
