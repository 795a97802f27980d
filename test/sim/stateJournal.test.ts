import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import type { ComputeSimulator } from '../../dev/compute-sim';
import { startComputeSimulator } from '../../dev/compute-sim';
import { ComputeModel } from '../../dev/compute-sim/computeModel';
import { EventPublisher } from '../../dev/compute-sim/eventPublisher';
import { FaultPlan } from '../../dev/compute-sim/faultPlan';
import { IdGenerator } from '../../dev/compute-sim/ids';
import type { ArmRequest } from '../../dev/compute-sim/modelSupport';
import { NO_PERSISTENCE, loadState } from '../../dev/compute-sim/stateJournal';
import type { OperationRecord } from '../../dev/compute-sim/stateStore';
import { emptyState } from '../../dev/compute-sim/stateStore';
import { START, simHarnessFor, collectionId, vmId } from '../support/computeSim';

const vmBody = { location: 'eastus', properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } } };

function fileLines(file: string): string[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('the --state journal', () => {
  let dir: string;
  const running: ComputeSimulator[] = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'compute-sim-journal-'));
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((sim) => sim.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function start(clock: VirtualClock, stateFile: string): Promise<ComputeSimulator> {
    const sim = await startComputeSimulator({ clock, tls: false, lroRetryAfterSeconds: 0, stateFile });
    running.push(sim);
    return sim;
  }

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

describe('operation lookups', () => {
  const request: ArmRequest = {
    method: 'DELETE',
    body: undefined,
    origin: 'http://127.0.0.1',
    apiVersion: '2026-04-01',
    correlationId: 'c',
    expand: undefined,
    path: '/',
    skipToken: undefined,
  };

  /** Operation records a status request reads, with `count` operations in the simulator. */
  async function readsPerStatusRequest(count: number): Promise<{ running: number; finished: number }> {
    const clock = new VirtualClock(START);
    const state = emptyState(START);
    let reads = 0;
    const counted = new Proxy<Record<string, OperationRecord>>(
      {},
      {
        get: (target, key) => {
          if (typeof key === 'string') {
            reads++;
          }
          return target[key as string];
        },
        ownKeys: (target) => {
          reads += Object.keys(target).length;
          return Reflect.ownKeys(target);
        },
      },
    );
    state.operations = counted;
    const ids = new IdGenerator(1);
    const events = new EventPublisher(clock, state, ids, 'tenant', () => undefined);
    const settings = {
      throughputMiBps: 50,
      progressIntervalMs: 600_000,
      copyTimeLimitMs: 14 * 86_400_000,
      copyPutsPerHour: 3,
      lroRetryAfterSeconds: 0,
      lroDurationMs: 5_000,
      listPageSize: 100,
      seed: 1,
    };
    const model = new ComputeModel(state, settings, clock, ids, events, new FaultPlan(1), NO_PERSISTENCE);
    const sub = '00000000-0000-0000-0000-0000000000aa';
    const base = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute`;
    model.putVm(`${base}/virtualMachines/vm`, { ...request, method: 'PUT', body: vmBody });
    const operationIds: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${base}/restorePointCollections/c${i}`;
      model.putCollection(id, {
        ...request,
        method: 'PUT',
        body: { location: 'eastus', properties: { source: { id: `${base}/virtualMachines/vm` } } },
      });
      model.deleteCollection(id, request);
      operationIds.push(state.collections[id.toLowerCase()]?.deleteOperationId ?? '');
    }
    const lastId = operationIds.at(-1) ?? '';
    reads = 0;
    expect(model.getOperation(sub, lastId, false).body).toMatchObject({ status: 'InProgress' });
    const runningReads = reads;
    // Every operation ends at once, paid for by the clock's callbacks; the next request reads only its own.
    await clock.advanceTo(START + 5_000);
    reads = 0;
    expect(model.getOperation(sub, lastId, false).body).toMatchObject({ status: 'Succeeded' });
    model.close();
    return { running: runningReads, finished: reads };
  }

  it('reads the same few records per request with 10 or 1,000 operations', async () => {
    // Act
    const small = await readsPerStatusRequest(10);
    const large = await readsPerStatusRequest(1_000);

    // Assess
    expect(large).toEqual(small);
    expect(small.running).toBeLessThanOrEqual(2);
  });
});
