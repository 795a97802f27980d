import { describe, expect, it } from 'vitest';
import { appStacksPerTest, copyPuts, MINUTE, nameOf, type Copy } from './helpers/appStack';

/** What goes wrong, end to end on the local stack: platform failures, throttling, bad input. */

const startApp = appStacksPerTest();

describe('copy failures on the local stack', () => {
  it('ends a copy whose disk replication fails as Failed with category platform-failure', async () => {
    // Prepare: the first copy PUT the simulator accepts has its third disk fail at 40 %.
    const app = await startApp({
      simulator: {
        lroDurationMs: 0,
        lroRetryAfterSeconds: 0,
        faults: [{ kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 40, disk: 2 } }],
      },
    });

    // Act
    await app.stack.createSourceRestorePoint('rp-1');
    const copies = await app.runUntilCopiesEnd(2);

    // Assess: the good copy is fully replicated; the failed one was deleted so that a retry can copy again.
    const verdicts = copies.map((copy) => [
      copy.status,
      app.stack.simulator.getCopy(copy.targetRestorePointId ?? '')?.state ?? 'deleted',
    ]);
    expect(verdicts.sort()).toEqual([
      ['Failed', 'deleted'],
      ['Succeeded', 'succeeded'],
    ]);
    const failed = copies.find((copy) => copy.status === 'Failed') as Copy;
    const deletes = app.stack.simulator.requestLog.filter((entry) => entry.method === 'DELETE');
    expect(deletes.map((entry) => [entry.path.toLowerCase(), entry.status])).toEqual([
      [(failed.targetRestorePointId ?? '').toLowerCase(), 202],
    ]);
    expect(failed.error).toEqual({
      category: 'platform-failure',
      code: expect.any(String),
      message: expect.stringMatching(/.+/),
      suggestion: expect.stringMatching(/.+/),
    });
    // The simulator fails the whole copy with its disk; the app reports the disk it saw fail.
    const disks = failed.progress?.disks ?? [];
    expect(disks.map((disk) => nameOf(disk.id).split('_')[0])).toEqual([
      'demo-vm-os',
      'demo-vm-data0',
      'demo-vm-data1',
    ]);
    expect(disks[2]?.status).toBe('Failed');
    const failedEvents = app.events('RestorePointCopy.Failed');
    expect(failedEvents.map((event) => event.id)).toEqual([`${failed.id}:RestorePointCopy.Failed`]);
    expect(failedEvents[0]?.data).toEqual(await app.copy(failed.id));
    expect(app.events('RestorePointCopy.Succeeded').map((event) => (event.data as Copy).id)).toEqual(
      copies.filter((copy) => copy.status === 'Succeeded').map((copy) => copy.id),
    );
  });

  it('absorbs copy PUT throttling (429 Retry-After) without a failed copy', async () => {
    // Prepare: one copy PUT an hour per target collection, and copies that end well within that hour, so the
    // second copy to each region is refused until the hour is over.
    const app = await startApp({
      simulator: { lroDurationMs: 0, lroRetryAfterSeconds: 0, copyPutsPerHour: 1, throughputMiBps: 400 },
    });

    // Act
    await app.stack.createSourceRestorePoint('rp-1');
    await app.clock.advanceBy(MINUTE);
    await app.stack.createSourceRestorePoint('rp-2');
    const copies = await app.runUntilCopiesEnd(4);

    // Assess
    expect(
      copies.map((copy) => [copy.targetRegion, nameOf(copy.sourceRestorePointId), copy.status]).sort(),
    ).toEqual([
      ['centralus', 'rp-1', 'Succeeded'],
      ['centralus', 'rp-2', 'Succeeded'],
      ['westus2', 'rp-1', 'Succeeded'],
      ['westus2', 'rp-2', 'Succeeded'],
    ]);
    for (const region of ['westus2', 'centralus']) {
      const puts = copyPuts(app.stack, region);
      const refused = puts.filter((put) => put.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.every((put) => put.restorePoint === 'rp-2' && put.errorCode === 'TooManyRequests')).toBe(
        true,
      );
      const created = puts.filter((put) => put.status === 201);
      expect(created.map((put) => put.restorePoint)).toEqual(['rp-1', 'rp-2']);
      // The accepted retry came once the hour since the first PUT had passed, not before.
      expect((created[1]?.time ?? 0) - (created[0]?.time ?? 0)).toBeGreaterThanOrEqual(60 * MINUTE);
    }
    expect(
      app
        .events()
        .filter(
          (event) => event.type !== 'RestorePointCopy.Started' && event.type !== 'RestorePointCopy.Succeeded',
        ),
    ).toEqual([]);
  });

  it('answers malformed HTTP requests with 4xx and drops malformed events, never a 500 or a crash', async () => {
    // Prepare
    const app = await startApp({ events: { subscribe: false } });
    const sourceId = await app.stack.createSourceRestorePoint('rp-1');
    const collection = app.stack.ready.sourceCollectionId;
    const errorBody = { error: { code: expect.any(String), message: expect.any(String) } };

    // Act: HTTP
    const http: [string, number, unknown][] = [];
    const call = async (label: string, method: string, path: string, body?: unknown): Promise<void> => {
      const response = await app.api(method, path, body);
      http.push([label, response.status, response.body]);
    };
    await call('malformed JSON', 'POST', '/api/copies', '{"sourceRestorePointId": ');
    await call('not an object', 'POST', '/api/copies', '[1, 2]');
    await call('empty body', 'POST', '/api/copies', '');
    await call('missing source', 'POST', '/api/copies', { targetRegions: ['westus2'] });
    await call('wrong type', 'POST', '/api/copies', { sourceRestorePointId: 42 });
    await call('bad ARM id', 'POST', '/api/copies', { sourceRestorePointId: '/subscriptions/x/nonsense' });
    await call('unknown region', 'POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['atlantis'],
    });
    await call('regions not a list', 'POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: 'westus2',
    });
    await call('source region', 'POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['eastus'],
    });
    await call('no such restore point', 'POST', '/api/copies', {
      sourceRestorePointId: `${collection}/restorePoints/rp-missing`,
      targetRegions: ['westus2'],
    });
    await call('unknown copy', 'GET', '/api/copies/rpcopy-westus2-00000000000000000000000000000000');
    await call('not a copy id', 'GET', '/api/copies/..%2F..%2Fetc');
    await call('bad status filter', 'GET', '/api/copies?status=Exploded');
    await call('bad page size', 'GET', '/api/copies?top=-3');
    await call(
      'cancel unknown copy',
      'POST',
      '/api/copies/rpcopy-westus2-00000000000000000000000000000000/cancel',
    );

    // Act: events, straight to the app's Event Grid webhook
    const deliver = async (body: string, type = 'Notification'): Promise<number> => {
      const response = await fetch(app.stack.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'aeg-event-type': type },
        body,
      });
      await response.arrayBuffer();
      return response.status;
    };
    const writeEvent = (subject: string, data: unknown): string =>
      JSON.stringify([
        {
          id: `e-${subject.length}`,
          topic: '/subscriptions/00000000-0000-0000-0000-00000000c0de/resourceGroups/rpcopy-demo',
          subject,
          eventType: 'Microsoft.Resources.ResourceWriteSuccess',
          eventTime: '2026-01-01T00:00:00Z',
          data,
          dataVersion: '2',
          metadataVersion: '1',
        },
      ]);
    const operationName = 'Microsoft.Compute/restorePointCollections/restorePoints/write';
    const events: [string, number][] = [
      ['not JSON', await deliver('{oops')],
      ['empty batch', await deliver('[]')],
      ['not objects', await deliver('[1, "two"]')],
      ['empty object', await deliver('[{}]')],
      ['no data', await deliver(writeEvent(sourceId, null))],
      ['data not an object', await deliver(writeEvent(sourceId, 'text'))],
      ['garbage subject', await deliver(writeEvent('garbage', { operationName, resourceUri: 'garbage' }))],
      [
        'missing restore point',
        await deliver(
          writeEvent(`${collection}/restorePoints/rp-missing`, {
            operationName,
            resourceUri: `${collection}/restorePoints/rp-missing`,
          }),
        ),
      ],
      [
        'CloudEvent without type',
        await deliver(JSON.stringify([{ specversion: '1.0', id: 'x', source: '/s' }])),
      ],
    ];
    await app.clock.settle();

    // Assess
    const expected: [string, number][] = [
      ['malformed JSON', 400],
      ['not an object', 400],
      ['empty body', 400],
      ['missing source', 400],
      ['wrong type', 400],
      ['bad ARM id', 400],
      ['unknown region', 400],
      ['regions not a list', 400],
      ['source region', 400],
      ['no such restore point', 404],
      ['unknown copy', 404],
      ['not a copy id', 404],
      ['bad status filter', 400],
      ['bad page size', 400],
      ['cancel unknown copy', 404],
    ];
    expect(http.map(([label, status]) => [label, status])).toEqual(expected);
    for (const [, , body] of http) {
      expect(body).toEqual(errorBody);
    }
    expect(events.filter(([, status]) => status >= 500)).toEqual([]);
    expect(events.map(([label, status]) => [label, status < 300 ? 'dropped' : 'refused'])).toEqual([
      ['not JSON', 'refused'],
      ['empty batch', 'refused'],
      ['not objects', 'dropped'],
      ['empty object', 'dropped'],
      ['no data', 'dropped'],
      ['data not an object', 'dropped'],
      ['garbage subject', 'dropped'],
      ['missing restore point', 'dropped'],
      ['CloudEvent without type', 'dropped'],
    ]);
    expect(await app.copies()).toEqual([]);

    // …and the app still works afterwards.
    const started = await app.api('POST', '/api/copies', {
      sourceRestorePointId: sourceId,
      targetRegions: ['westus2'],
    });
    expect(started.status).toBe(202);
    const copies = await app.runUntilCopiesEnd(1);
    expect(copies.map((copy) => [copy.targetRegion, copy.status])).toEqual([['westus2', 'Succeeded']]);
  });
});
