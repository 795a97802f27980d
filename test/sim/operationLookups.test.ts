import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../dev/clock';
import { ComputeModel } from '../../dev/compute-sim/computeModel';
import { EventPublisher } from '../../dev/compute-sim/eventPublisher';
import { FaultPlan } from '../../dev/compute-sim/faultPlan';
import { IdGenerator } from '../../dev/compute-sim/ids';
import type { ArmRequest } from '../../dev/compute-sim/modelSupport';
import { NO_PERSISTENCE } from '../../dev/compute-sim/stateJournal';
import type { SimulatorState } from '../../dev/compute-sim/stateStore';
import { emptyState } from '../../dev/compute-sim/stateStore';
import { START } from '../support/computeSim';

const vmBody = { location: 'eastus', properties: { storageProfile: { osDisk: { diskSizeGB: 32 } } } };
const sub = '00000000-0000-0000-0000-0000000000aa';
const base = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute`;
const request: ArmRequest = {
  method: 'GET',
  body: undefined,
  origin: 'http://127.0.0.1',
  apiVersion: '2026-04-01',
  correlationId: 'c',
  expand: undefined,
  path: `${base}/restorePointCollections`,
  skipToken: undefined,
};

/**
 * A model whose `table` counts the records read from it (each property read, and each key when it is
 * listed), holding `count` collections on one VM: the cost a request pays is what these tests count.
 */
function countedModel(
  table: 'operations' | 'collections',
  count: number,
  options: { deleteEach: boolean },
): { model: ComputeModel; clock: VirtualClock; state: SimulatorState; reads: { count: number } } {
  const clock = new VirtualClock(START);
  const state = emptyState(START);
  const reads = { count: 0 };
  state[table] = new Proxy<Record<string, never>>(
    {},
    {
      get: (target, key) => {
        if (typeof key === 'string') {
          reads.count++;
        }
        return target[key as string];
      },
      ownKeys: (target) => {
        reads.count += Object.keys(target).length;
        return Reflect.ownKeys(target);
      },
    },
  );
  const ids = new IdGenerator(1);
  const events = new EventPublisher(clock, state, ids, 'tenant', () => undefined);
  const settings = {
    throughputMiBps: 50,
    progressIntervalMs: 600_000,
    copyTimeLimitMs: 14 * 86_400_000,
    copyPutsPerHour: 3,
    lroRetryAfterSeconds: 0,
    lroDurationMs: 5_000,
    listPageSize: 5,
    seed: 1,
  };
  const model = new ComputeModel(state, settings, clock, ids, events, new FaultPlan(1), NO_PERSISTENCE);
  model.putVm(`${base}/virtualMachines/vm`, { ...request, method: 'PUT', body: vmBody });
  for (let i = 0; i < count; i++) {
    const id = `${base}/restorePointCollections/c${String(i).padStart(4, '0')}`;
    model.putCollection(id, {
      ...request,
      method: 'PUT',
      body: { location: 'eastus', properties: { source: { id: `${base}/virtualMachines/vm` } } },
    });
    if (options.deleteEach) {
      model.deleteCollection(id, { ...request, method: 'DELETE' });
    }
  }
  reads.count = 0;
  return { model, clock, state, reads };
}

/** Operation records a status request reads, with `count` operations in the simulator. */
async function readsPerStatusRequest(count: number): Promise<{ running: number; finished: number }> {
  const { model, clock, state, reads } = countedModel('operations', count, { deleteEach: true });
  const lastId =
    state.collections[`${base}/restorePointCollections/c${String(count - 1).padStart(4, '0')}`.toLowerCase()]
      ?.deleteOperationId;
  reads.count = 0;
  expect(model.getOperation(sub, lastId ?? '', false).body).toMatchObject({ status: 'InProgress' });
  const running = reads.count;
  // Every operation ends at once, paid for by the clock's callbacks; the next request reads only its own.
  await clock.advanceTo(START + 5_000);
  reads.count = 0;
  expect(model.getOperation(sub, lastId ?? '', false).body).toMatchObject({ status: 'Succeeded' });
  model.close();
  return { running, finished: reads.count };
}

/** Collection records the first and a middle page of a list read, with `count` collections. */
function readsPerListPage(count: number): { first: number; middle: number } {
  const { model, reads } = countedModel('collections', count, { deleteEach: false });
  const first = model.listCollections(sub, 'rg', request);
  const firstReads = reads.count;
  const nextLink = (first.body as { nextLink: string }).nextLink;
  reads.count = 0;
  model.listCollections(sub, 'rg', {
    ...request,
    skipToken: new URL(nextLink).searchParams.get('$skipToken') ?? '',
  });
  model.close();
  return { first: firstReads, middle: reads.count };
}

describe('lookups that do not grow with the simulator', () => {
  it('reads the same few operation records per status request with 10 or 1,000 operations', async () => {
    // Act
    const small = await readsPerStatusRequest(10);
    const large = await readsPerStatusRequest(1_000);

    // Assess
    expect(large).toEqual(small);
    expect(small.running).toBeLessThanOrEqual(2);
  });

  it('reads one page of collection records per list page with 10 or 1,000 collections', () => {
    // Act
    const small = readsPerListPage(10);
    const large = readsPerListPage(1_000);

    // Assess
    expect(large).toEqual(small);
    expect(small).toEqual({ first: 5, middle: 5 });
  });
});
