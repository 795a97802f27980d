import { afterEach, describe, expect, it } from 'vitest';

import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

interface StartResponse {
  copies: { id: string }[];
}

describe('a source encrypted with a customer-managed key, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('reports the copy usable with a note to supply the key again at restore, in the document and the event', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, {
      diskSizesGB: [32, 64],
      tags: { 'rpcopy-targets': 'westus2' },
      diskEncryptionSetId:
        '/subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rg-app/providers/Microsoft.Compute/diskEncryptionSets/cmk',
    });
    const source = await createSourceRestorePoint(stack.h, 'rp1');

    // Act
    const started = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    const id = (started.body as StartResponse).copies[0]?.id ?? '';
    await stack.waitForCopy(id);
    const copy = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
    const succeeded = stack.sink
      .events()
      .filter(
        (event) => event.type === 'RestorePointCopy.Succeeded' && (event.data as CopyDocument).id === id,
      );

    // Assess
    expect({ status: copy.status, usable: copy.usable }).toEqual({ status: 'Succeeded', usable: true });
    expect(copy.note).toMatch(/customer-managed key/);
    expect(copy.note).toMatch(/disk encryption set/);
    expect(succeeded.map((event) => event.data)).toEqual([copy]);
  });

  it('adds no note for a source with platform-managed keys', async () => {
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [32], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');

    const started = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    const id = (started.body as StartResponse).copies[0]?.id ?? '';
    await stack.waitForCopy(id);
    const copy = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    expect({ status: copy.status, usable: copy.usable, note: copy.note }).toEqual({
      status: 'Succeeded',
      usable: true,
      note: undefined,
    });
  });
});
