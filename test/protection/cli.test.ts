import { afterEach, describe, expect, it } from 'vitest';

import type { ProtectionEntry } from '../../src/domain/protection';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { START, seedSource } from '../support/computeSim';
import { renderProtection } from '../../src/cli/protectionCommand';
import { runCli } from '../cli/support/runCli';
import { HOUR_MS, newSourceRestorePoint, policy, runTo } from './support';

describe('rpcopy protection, against the app on the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('prints a table coloured by state, --json with every pair, and exits 1 while a pair is unprotected', async () => {
    // Prepare: src is copied to both regions; src2 has nothing to copy yet.
    stack = await startAppStack({ settings: { RPCOPY_POLICY: policy({ rpoHours: 12 }) } });
    await seedSource(stack.h, { diskSizesGB: [8] });
    await seedSource(stack.h, { vm: 'vm2', collection: 'src2' });
    await newSourceRestorePoint(stack, 'rp1');
    await runTo(stack, START + 2 * HOUR_MS);
    const env = { RPCOPY_URL: stack.host.baseUrl, RPCOPY_KEY: stack.host.functionKey };

    // Act
    const table = await runCli(['protection'], { env });
    const coloured = await runCli(['protection', '--state', 'protected'], { env, isTTY: true });
    const json = await runCli(['protection', '--json', '--region', 'West US 2'], { env });
    const usage = await runCli(['protection', '--state', 'Fine'], { env });
    const noKey = await runCli(['protection'], { env: { RPCOPY_URL: stack.host.baseUrl } });

    // Assess
    const lines = table.stdout.trimEnd().split('\n');
    expect(table.code).toBe(1);
    expect(lines[0]).toMatch(
      /^COLLECTION\s+REGION\s+STATE\s+RPO \(ACHIEVED \/ TARGET\)\s+NEWEST COPY\s+IN FLIGHT\s+WHY$/,
    );
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).slice(0, 5))).toEqual([
      ['src', 'centralus', 'Protected', '2.0h / 12.0h', 'rp1'],
      ['src', 'westus2', 'Protected', '2.0h / 12.0h', 'rp1'],
      ['src2', 'centralus', 'Unprotected', '— / 12.0h', '—'],
      ['src2', 'westus2', 'Unprotected', '— / 12.0h', '—'],
    ]);
    expect(lines[3]).toContain('The source collection has no restore point to copy.');
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain('\u001b[32mProtected\u001b[0m');
    expect(coloured.stdout).not.toContain('Unprotected');
    const body = JSON.parse(json.stdout) as { pairs: ProtectionEntry[]; summary: Record<string, number> };
    expect(
      body.pairs.map((pair) => [pair.sourceCollectionId.split('/').at(-1), pair.targetRegion, pair.state]),
    ).toEqual([
      ['src', 'westus2', 'Protected'],
      ['src2', 'westus2', 'Unprotected'],
    ]);
    expect(body.summary).toEqual({ Protected: 1, AtRisk: 0, Breached: 0, Unprotected: 1, Disabled: 0 });
    expect(usage).toEqual({
      code: 2,
      stdout: '',
      stderr: expect.stringContaining(
        "rpcopy: Unknown state 'Fine'; use Protected, AtRisk, Breached, Unprotected, Disabled.",
      ),
    });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain('it needs a function key');
  });
});

describe('the protection table', () => {
  it('shows a last failure that the reason does not name, once', () => {
    // Prepare: one pair still Protected by an older copy after a failure, one whose reason is that failure.
    const error = {
      code: 'ReplicationState/failed',
      message: 'Azure reported the copy failed.',
      category: 'platform-failure' as const,
      suggestion: 'Request the copy again.',
    };
    const lastFailure = {
      copyId: 'c1',
      status: 'Failed' as const,
      sourceRestorePointId: 'rp2',
      endedAt: '2026-01-01T02:00:00.000Z',
      error,
    };
    const entry: ProtectionEntry = {
      id: 'p1',
      state: 'Protected',
      subscriptionId: 's',
      sourceCollectionId:
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/restorePointCollections/src',
      sourceVmId: null,
      sourceRegion: 'eastus',
      targetRegion: 'westus2',
      targetCollectionId: 'src-westus2',
      rpo: { targetHours: 12, origin: 'rule', achievedHours: 2, atRiskAfterHours: 9 },
      newestUsableCopy: null,
      newestSourceRestorePoint: null,
      copyInFlight: null,
      reason: null,
      lastFailure,
      breach: null,
      retention: null,
      warnings: [],
      evaluatedAt: '2026-01-01T02:00:00.000Z',
    };
    const blamed: ProtectionEntry = {
      ...entry,
      state: 'Unprotected',
      reason: { code: 'CopyFailed', message: 'The copy of rp2 ended Failed', copyId: 'c1' },
    };

    // Act
    const lines = renderProtection([entry, blamed], { color: false });

    // Assess
    expect(lines.slice(1).map((line) => line.split(/\s{2,}/).at(-1))).toEqual([
      'last copy Failed: Azure reported the copy failed.',
      'The copy of rp2 ended Failed',
    ]);
  });
});
