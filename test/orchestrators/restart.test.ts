import { afterEach, describe, expect, it } from 'vitest';

import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

interface StartResponse {
  copies: { id: string; status: string }[];
}

describe('restarting a copy that failed, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('runs it again under the same id as attempt 2, with event ids that do not collide with the first run', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [64], tags: { 'rpcopy-targets': 'westus2' } });
    stack.h.sim.setFaults([{ kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 30 } }]);
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    const first = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    const id = (first.body as StartResponse).copies[0]?.id ?? '';
    await stack.waitForCopy(id);
    const failed = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
    stack.h.sim.setFaults([]);

    // Act
    const again = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    await stack.waitForCopy(id);
    const retried = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    // Assess
    expect(failed.status).toBe('Failed');
    expect(failed.attempt).toBeUndefined();
    expect(again.status).toBe(202);
    expect((again.body as StartResponse).copies.map((copy) => copy.id)).toEqual([id]);
    expect({ status: retried.status, usable: retried.usable, attempt: retried.attempt }).toEqual({
      status: 'Succeeded',
      usable: true,
      attempt: 2,
    });
    const events = stack.sink
      .events()
      .filter((event) => (event.data as CopyDocument).id === id)
      .map((event) => event.id);
    expect(events).toEqual([
      `${id}:RestorePointCopy.Started`,
      `${id}:RestorePointCopy.Failed`,
      `${id}:attempt-2:RestorePointCopy.Started`,
      `${id}:attempt-2:RestorePointCopy.Succeeded`,
    ]);
  });
});
