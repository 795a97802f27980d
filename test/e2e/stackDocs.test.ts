import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeReadyFile } from '../../dev/stack/stack';
import { appStacksPerTest, nameOf } from './helpers/appStack';
import { REPO_ROOT } from './helpers/ensureBuilt';

/** The commands docs/simulator.md gives a user, pasted into a shell against a running stack. */

const startApp = appStacksPerTest();
const work = mkdtempSync(join(tmpdir(), 'rpcopy-docs-'));

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** The first `sh` block after an HTML comment marker in a Markdown file. */
function shellBlockAfter(file: string, marker: string): string {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(text.slice(text.indexOf(`<!-- ${marker} -->`)));
  if (!text.includes(`<!-- ${marker} -->`) || !block?.[1]) {
    throw new Error(`no sh block after ${marker} in ${file}`);
  }
  return block[1];
}

describe('docs/simulator.md', () => {
  it('creates a restore point in the simulator with curl, which the app then copies to both regions', async () => {
    // Prepare: the ready file `npm start -- --ready-file ready.json` writes.
    const app = await startApp();
    writeReadyFile(join(work, 'ready.json'), app.stack.ready);
    const script = shellBlockAfter('docs/simulator.md', 'simulator-restore-point');

    // Act: bash runs the block as pasted; the stack answers from this process meanwhile.
    const { stdout } = await promisify(execFile)('bash', ['-e', '-c', script], { cwd: work });
    const copies = await app.runUntilCopiesEnd(2);

    // Assess
    // The test stack finishes ARM operations at once; `npm start` answers Creating first.
    expect(JSON.parse(stdout)).toMatchObject({
      id: `${app.stack.ready.sourceCollectionId}/restorePoints/my-restore-point`,
      name: 'my-restore-point',
    });
    expect(
      copies.map((copy) => [nameOf(copy.sourceRestorePointId), copy.targetRegion, copy.status]).sort(),
    ).toEqual([
      ['my-restore-point', 'centralus', 'Succeeded'],
      ['my-restore-point', 'westus2', 'Succeeded'],
    ]);
  });
});
