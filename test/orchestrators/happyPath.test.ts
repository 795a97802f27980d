import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { collectionId, createSourceRestorePoint, restorePointId, seedSource } from '../support/computeSim';

interface StartResponse {
  copies: {
    id: string;
    sourceRestorePointId: string;
    targetRegion: string;
    targetRestorePointId: string;
    status: string;
    statusUrl: string;
  }[];
}

describe('copy orchestration, happy path, through the dev host', () => {
  let stack: AppStack;
  beforeEach(async () => {
    stack = await startAppStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('copies a new restore point to both policy regions and reports each copy usable exactly once', async () => {
    // Prepare
    await seedSource(stack.h, { diskSizesGB: [32, 64, 128] });
    const source = await createSourceRestorePoint(stack.h, 'rp1');

    // Act
    const started = await stack.api('POST', 'copies', { sourceRestorePointId: source });
    const body = started.body as StartResponse;
    const statuses = await Promise.all(body.copies.map((copy) => stack.waitForCopy(copy.id)));
    const documents = await Promise.all(
      body.copies.map(async (copy) => (await stack.api('GET', `copies/${copy.id}`)).body as CopyDocument),
    );

    // Assess
    expect(started.status).toBe(202);
    expect(
      body.copies.map(({ targetRegion, targetRestorePointId, status }) => ({
        targetRegion,
        targetRestorePointId,
        status,
      })),
    ).toEqual([
      {
        targetRegion: 'westus2',
        targetRestorePointId: restorePointId('src-westus2', 'rp1'),
        status: 'Queued',
      },
      {
        targetRegion: 'centralus',
        targetRestorePointId: restorePointId('src-centralus', 'rp1'),
        status: 'Queued',
      },
    ]);
    expect(statuses.map((status) => status.runtimeStatus)).toEqual(['Completed', 'Completed']);
    for (const [index, document] of documents.entries()) {
      const region = ['westus2', 'centralus'][index] ?? '';
      expect(document).toMatchObject({
        id: body.copies[index]?.id,
        status: 'Succeeded',
        usable: true,
        sourceRestorePointId: source,
        sourceCollectionId: collectionId('src'),
        sourceRegion: 'eastus',
        targetRegion: region,
        targetCollectionId: collectionId(`src-${region}`),
        targetRestorePointId: restorePointId(`src-${region}`, 'rp1'),
        requestedBy: 'http',
        progress: { percent: 100, etaSeconds: null, stalled: false },
      });
      expect(document.progress.disks.map((disk) => [disk.status, disk.percent])).toEqual([
        ['Succeeded', 100],
        ['Succeeded', 100],
        ['Succeeded', 100],
      ]);
      expect(stack.h.sim.getCopy(restorePointId(`src-${region}`, 'rp1'))?.state).toBe('succeeded');
    }
    // Polling locked onto the refreshes: the end of a 45-minute copy is noticed within a minute of the
    // simulator showing it, with far fewer looks than polling every 30 s would take (about 90).
    for (const [index, region] of ['westus2', 'centralus'].entries()) {
      const endsAt = stack.h.sim.copyEndsAt(restorePointId(`src-${region}`, 'rp1')) ?? 0;
      const lagSeconds = (Date.parse(documents[index]?.completedAt ?? '') - endsAt) / 1000;
      expect(lagSeconds).toBeGreaterThanOrEqual(0);
      expect(lagSeconds).toBeLessThanOrEqual(60);
      const polls = stack.h.sim.requestLog.filter(
        (entry) =>
          entry.method === 'GET' &&
          entry.path.toLowerCase() === restorePointId(`src-${region}`, 'rp1').toLowerCase() &&
          entry.query.includes('instanceView'),
      );
      expect(polls.length).toBeLessThanOrEqual(24);
    }
    const events = stack.sink.events();
    expect(events.map((event) => event.id).sort()).toEqual(
      body.copies
        .flatMap((copy) => [`${copy.id}:RestorePointCopy.Started`, `${copy.id}:RestorePointCopy.Succeeded`])
        .sort(),
    );
    for (const document of documents) {
      const succeeded = events.find((event) => event.id === `${document.id}:RestorePointCopy.Succeeded`);
      expect(succeeded).toMatchObject({
        type: 'RestorePointCopy.Succeeded',
        subject: document.targetRestorePointId,
        specversion: '1.0',
      });
      expect(succeeded?.data).toEqual(document);
    }
  });

  it('shows live progress while replicating: per-disk percent, overall percent and an ETA', async () => {
    // Prepare
    await seedSource(stack.h, { diskSizesGB: [512, 2048], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    const started = (await stack.api('POST', 'copies', { sourceRestorePointId: source }))
      .body as StartResponse;
    const id = started.copies[0]?.id ?? '';
    const read = async (): Promise<CopyDocument> =>
      (await stack.api('GET', `copies/${id}`)).body as CopyDocument;

    // Act
    await stack.clock.runUntil(async () => {
      const copy = await read();
      return copy.progress.etaSeconds !== null && copy.progress.percent >= 10;
    });
    const live = await read();

    // Assess
    expect(live).toMatchObject({ status: 'Replicating', usable: false, completedAt: null });
    expect(live.progress.percent).toBeGreaterThanOrEqual(10);
    expect(live.progress.percent).toBeLessThan(100);
    expect(live.progress.etaSeconds).toBeGreaterThan(0);
    expect(live.progress.disks).toHaveLength(2);
    // The small disk runs ahead of the big one.
    expect(live.progress.disks[0]?.percent).toBeGreaterThan(live.progress.disks[1]?.percent ?? 100);
  });
});
