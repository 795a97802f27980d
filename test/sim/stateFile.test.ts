import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import type { ComputeSimulator } from '../../dev/compute-sim';
import { readSavedClockTime, startComputeSimulator } from '../../dev/compute-sim';
import { StateJournal, loadState } from '../../dev/compute-sim/stateJournal';
import { emptyState } from '../../dev/compute-sim/stateStore';
import {
  START,
  createSourceRp,
  expectStatus,
  simHarnessFor,
  restorePointId,
  collectionId,
  seedPair,
  vmId,
} from '../support/computeSim';

const MIN = 60_000;

const vmBody = { location: 'eastus', properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } } };

function fileLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('--state persistence', () => {
  let dir: string;
  const running: ComputeSimulator[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compute-sim-state-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(clock: VirtualClock, stateFile?: string, tls = false): Promise<ComputeSimulator> {
    const sim = await startComputeSimulator({
      clock,
      tls,
      lroRetryAfterSeconds: 0,
      ...(stateFile ? { stateFile } : {}),
    });
    running.push(sim);
    return sim;
  }

  it('keeps resources, running operations, throttle windows, subscriptions and the clock across a restart', async () => {
    const file = join(dir, 'sim.json');
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push((JSON.parse(body) as { subject: string }[])[0]?.subject ?? '');
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events`;

    const clock1 = new VirtualClock(START);
    const sim1 = await start(clock1, file);
    const h1 = simHarnessFor(clock1, sim1);
    await seedPair(h1, { location: 'eastus', osDiskGB: 64, dataDisksGB: [128], targetRegion: 'westus' });
    await createSourceRp(h1, 'rp1');
    await expectStatus(
      h1.call('PUT', restorePointId('dst', 'rp1'), {
        properties: { sourceRestorePoint: { id: restorePointId('src', 'rp1') } },
      }),
      [201],
    );
    sim1.subscribeEvents({ url, schema: 'EventGrid' });
    await clock1.advanceBy(20 * MIN + 5_000);
    await expectStatus(h1.call('PUT', restorePointId('src', 'rp2'), {}), [201]);
    const copyBefore = sim1.getCopy(restorePointId('dst', 'rp1'));
    expect(copyBefore?.disks.map((d) => d.completionPercent)).toEqual([91, 45]);
    expect(received).toEqual([restorePointId('dst', 'rp1')]);
    const stoppedAt = clock1.now();
    await sim1.close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readSavedClockTime(file)).toBe(stoppedAt);

    const clock2 = new VirtualClock(readSavedClockTime(file));
    const sim2 = await start(clock2, file);
    const h2 = simHarnessFor(clock2, sim2);
    expect(sim2.getCopy(restorePointId('dst', 'rp1'))).toEqual(copyBefore);
    const expanded = await h2.call('GET', `${collectionId('src')}?$expand=restorePoints`);
    expect(
      (
        expanded.body as {
          properties: { restorePoints: { name: string; properties: { provisioningState: string } }[] };
        }
      ).properties.restorePoints.map((rp) => [rp.name, rp.properties.provisioningState]),
    ).toEqual([
      ['rp1', 'Succeeded'],
      ['rp2', 'Creating'],
    ]);
    // The LRO that was running when the simulator stopped ends, and is announced to the saved subscriber.
    await clock2.advanceBy(5_000);
    expect(received).toEqual([restorePointId('dst', 'rp1'), restorePointId('src', 'rp2')]);
    // The copy goes on from where it was.
    await clock2.advanceBy(10 * MIN);
    expect(sim2.getCopy(restorePointId('dst', 'rp1'))?.disks.map((d) => d.completionPercent)).toEqual([
      100, 68,
    ]);
    await clock2.advanceBy(60 * MIN);
    expect(sim2.getCopy(restorePointId('dst', 'rp1'))?.state).toBe('succeeded');
    // The copy PUT made before the restart is still in the saved throttle window.
    expect(loadState(file)).toMatchObject({
      version: 1,
      copyPutTimes: { [collectionId('dst').toLowerCase()]: [expect.any(Number)] },
    });
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('starts empty without --state', async () => {
    const clock = new VirtualClock(START);
    const first = await start(clock);
    await seedPair(simHarnessFor(clock, first), { location: 'eastus', targetRegion: 'westus' });
    await first.close();
    const second = await start(clock);
    expect((await simHarnessFor(clock, second).call('GET', collectionId('src'))).status).toBe(404);
  });

  it('keeps the TLS certificate, so clients keep trusting a restarted simulator', async () => {
    const file = join(dir, 'tls.json');
    const clock = new VirtualClock(START);
    const first = await start(clock, file, true);
    const pem = first.caCertificatePem;
    await first.close();
    const second = await start(clock, file, true);
    expect(second.caCertificatePem).toBe(pem);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${second.endpoint}${collectionId('none')}?api-version=2026-04-01`,
        { ca: pem, headers: { authorization: 'Bearer t' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(404);
    const localhost = await new Promise<number>((resolve, reject) => {
      const req = request(`${second.endpoint.replace('127.0.0.1', 'localhost')}/`, { ca: pem }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(localhost).toBe(401);
  });

  it('appends only the changed record, however large the state already is', async () => {
    // Prepare: a state of 200 VMs, compacted into one snapshot by a restart.
    const file = join(dir, 'sim.json');
    const clock = new VirtualClock(START);
    const first = await start(clock, file);
    const h1 = simHarnessFor(clock, first);
    for (let i = 0; i < 200; i++) {
      expect((await h1.call('PUT', vmId(`vm${i}`), vmBody)).status).toBe(201);
    }
    await first.close();
    running.splice(0);
    const second = await start(clock, file);
    const [snapshot] = fileLines(file);

    // Act: one more change.
    expect((await simHarnessFor(clock, second).call('PUT', vmId('vm-new'), vmBody)).status).toBe(201);

    // Assess: the snapshot is untouched and one short line holds the new VM alone.
    const lines = fileLines(file);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(snapshot);
    const delta = JSON.parse(lines[1] ?? '') as { rows: Record<string, Record<string, unknown>> };
    expect(Object.keys(delta.rows)).toEqual(['vms']);
    expect(Object.keys(delta.rows.vms ?? {})).toEqual([vmId('vm-new').toLowerCase()]);
    expect((lines[1] ?? '').length * 50).toBeLessThan(snapshot?.length ?? 0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('resumes from snapshot and journal, ignoring a last line cut short by a kill', async () => {
    // Prepare: changes journaled but never compacted (no close), then half a line from a dying process.
    const file = join(dir, 'sim.json');
    const clock = new VirtualClock(START);
    const first = await start(clock, file);
    const h1 = simHarnessFor(clock, first);
    expect((await h1.call('PUT', vmId('vm1'), vmBody)).status).toBe(201);
    expect(
      (
        await h1.call('PUT', collectionId('src'), {
          location: 'eastus',
          properties: { source: { id: vmId('vm1') } },
        })
      ).status,
    ).toBe(201);
    expect((await h1.call('DELETE', collectionId('src'))).status).toBe(202);
    await clock.advanceBy(5_000);
    expect((await h1.call('GET', collectionId('src'))).status).toBe(404);
    appendFileSync(file, '{"clockTime":1,"rows":{"vms":{"');
    const journaled = fileLines(file).length;

    // Act: a second simulator on the same file, while the first never closed.
    const second = await start(new VirtualClock(clock.now()), file);
    const h2 = simHarnessFor(clock, second);

    // Assess: the VM is back, the deleted collection stays deleted, and the file is one snapshot again.
    expect(journaled).toBeGreaterThan(2);
    expect((await h2.call('GET', vmId('vm1'))).status).toBe(200);
    expect((await h2.call('GET', collectionId('src'))).status).toBe(404);
    expect(fileLines(file)).toHaveLength(1);
    expect(loadState(file)?.vms[vmId('vm1').toLowerCase()]?.name).toBe('vm1');
  });

  it('refuses a file whose journal is damaged before its end', () => {
    const file = join(dir, 'bad.json');
    appendFileSync(file, `${JSON.stringify(emptyState(START))}\nnot json\n{"clockTime":1,"idsIssued":0}\n`);
    expect(() => loadState(file)).toThrow(`State file ${file}: line 2 is not valid JSON.`);
  });
});

describe('StateJournal compaction', () => {
  it('folds the journal back into one snapshot once it outgrows it, keeping every change', () => {
    // Prepare: a state of one VM whose record is rewritten over and over.
    const dir = mkdtempSync(join(tmpdir(), 'compute-sim-compaction-'));
    const file = join(dir, 'sim.json');
    const state = emptyState(START);
    const journal = new StateJournal(file, state, () => ({ clockTime: START, idsIssued: 0 }));
    journal.compact();
    const key = vmId('vm1').toLowerCase();
    const lineCounts: number[] = [];

    // Act: 2,000 changes of about 300 bytes each, 600 KB of journal in all.
    for (let round = 0; round < 2_000; round++) {
      state.vms[key] = {
        id: vmId('vm1'),
        name: 'vm1',
        location: 'eastus',
        tags: { round: String(round) },
        vmId: 'id',
        vmSize: 'Standard_D2s_v5',
        osType: 'Linux',
        osDisk: {
          name: 'os',
          diskSizeGB: 32,
          managedDiskId: 'disk',
          storageAccountType: 'x',
          caching: 'None',
        },
        dataDisks: [],
      };
      journal.changed('vms', key);
      journal.commit();
      if (round % 50 === 0) {
        lineCounts.push(fileLines(file).length);
      }
    }

    // Assess: the file was compacted (about 256 KB of journal at most) and lost nothing.
    const longest = Math.max(...lineCounts);
    expect({
      compacted: lineCounts.some((count, index) => count < (lineCounts[index - 1] ?? 0)),
      bounded: longest < 1_000,
    }).toEqual({
      compacted: true,
      bounded: true,
    });
    expect(loadState(file)?.vms[key]?.tags).toEqual({ round: '1999' });
    rmSync(dir, { recursive: true, force: true });
  });
});
