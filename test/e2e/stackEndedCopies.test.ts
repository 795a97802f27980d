import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main';
import { appStacksPerTest, type AppStack } from './helpers/appStack';

/**
 * What a person sees of copies that ended, on the real app in the local stack: each disk's last known
 * state (never "Replicating" once the copy has ended), "usable" in the CLI's text, a repeated request that
 * says nothing new was started, and no warning about the ordinary in-progress replication code.
 */

const startApp = appStacksPerTest();

async function cli(
  app: AppStack,
  ...argv: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main([...argv, '--url', app.stack.ready.appUrl, '--key', app.stack.ready.functionKey], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    isTTY: false,
    invokedAs: 'rpcopy',
  });
  return { code, stdout, stderr };
}

describe('copies that ended, as the CLI shows them', () => {
  it('shows a canceled copy with each disk where it stopped, the other copy usable, and says a repeat started nothing for the usable one', async () => {
    // Prepare: two copies replicating, each disk part of the way.
    const app = await startApp();
    const sourceId = await app.stack.createSourceRestorePoint('rp-1');
    await app.runUntil(async () => {
      const copies = await app.copies();
      return (
        copies.length === 2 &&
        copies.every((copy) =>
          (copy.progress?.disks ?? []).some((disk) => disk.percent > 0 && disk.percent < 100),
        )
      );
    });
    const [canceled, other] = (await app.copies()).sort((a, b) =>
      a.targetRegion.localeCompare(b.targetRegion),
    );
    if (canceled === undefined || other === undefined) {
      throw new Error('expected two copies');
    }
    const before = await app.copy(canceled.id);

    // Act
    const cancel = await cli(app, 'cancel', canceled.id);
    const ended = await app.runUntilCopiesEnd(2);
    const canceledStatus = await cli(app, 'status', canceled.id);
    const succeededStatus = await cli(app, 'status', other.id);
    // An explicit request restarts the canceled copy; the succeeded one already exists.
    const repeat = await cli(app, 'copy', sourceId);

    // Assess
    expect(cancel.code).toBe(0);
    const after = ended.find((copy) => copy.id === canceled.id);
    expect(after?.status).toBe('Canceled');
    // Every disk keeps its last percent; one still under way when the copy was canceled says Canceled.
    expect(after?.progress?.disks.map((disk) => disk.status)).not.toContain('Replicating');
    const lastKnown = new Map((before.progress?.disks ?? []).map((disk) => [disk.id, disk]));
    for (const disk of after?.progress?.disks ?? []) {
      const seen = lastKnown.get(disk.id);
      expect(disk.status).toBe(disk.percent === 100 ? 'Succeeded' : 'Canceled');
      expect(disk.percent).toBeGreaterThanOrEqual(seen?.percent ?? 0);
    }
    expect(canceledStatus.code).toBe(1);
    expect(canceledStatus.stdout).not.toContain('Replicating');
    expect(canceledStatus.stdout).toMatch(/^Usable {6}no: the copy ended without a usable target$/m);
    expect(canceledStatus.stdout).toMatch(/^ {2}demo-vm-data1\S* +[█▏▎▍▌▋▊▉░]+ +\d+% {2}Canceled$/m);
    expect(succeededStatus.stdout.split('\n').slice(1, 3)).toEqual([
      'Status      Succeeded · 100% · usable',
      'Usable      yes: every disk has replicated; the target can restore a VM',
    ]);
    expect(repeat.stdout.split('\n')[0]).toBe(
      'Requested 2 copies of restore point rp-1; 1 already existed and nothing new was started for it:',
    );
    expect(app.logs.filter((entry) => entry.message.includes('undocumented replication status'))).toEqual([]);
  });
});
