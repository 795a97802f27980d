import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import { ComputeModel } from '../../dev/compute-sim/computeModel';
import { EventPublisher } from '../../dev/compute-sim/eventPublisher';
import { FaultPlan } from '../../dev/compute-sim/faultPlan';
import { IdGenerator } from '../../dev/compute-sim/ids';
import type { ArmRequest } from '../../dev/compute-sim/modelSupport';
import { NO_PERSISTENCE } from '../../dev/compute-sim/stateJournal';
import type { OperationRecord } from '../../dev/compute-sim/stateStore';
import { emptyState } from '../../dev/compute-sim/stateStore';
import { START } from '../support/computeSim';

const vmBody = { location: 'eastus', properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } } };

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
