import { appSettings } from '../../../test/support/appStack';
import {
  createSourceRestorePoint,
  seedSource,
  startSimHarness,
  type SimHarness,
} from '../../../test/support/computeSim';
import { startEventSink } from '../../../test/support/eventSink';
import type { VirtualClock } from '../../../dev/clock';
import type { RpcTypedData } from '../../../dev/host/worker';
import type { Scenario, ScenarioClock, ScenarioDriver, ScenarioEnvironment } from '../scenario';

interface RpcopyEnvironment extends ScenarioEnvironment {
  sim: SimHarness;
}

/**
 * The Compute simulator and an event sink for rpcopy, with durations small enough for the wall clock: every
 * ARM operation finishes at once and a copy replicates before the first poll, so what the app sees does not
 * depend on how fast the engine is.
 */
function rpcopyEnvironment(clock: ScenarioClock): Promise<RpcopyEnvironment> {
  return rpcopyEnvironmentWith(clock, 10_000_000);
}

async function rpcopyEnvironmentWith(
  clock: ScenarioClock,
  throughputMiBps: number,
  settings: Record<string, string> = {},
): Promise<RpcopyEnvironment> {
  // The simulator's own helpers only move the clock; ScenarioClock offers that on both sides.
  const simClock = clock as unknown as VirtualClock;
  const sim = await startSimHarness({
    clock: simClock,
    lroDurationMs: 0,
    throughputMiBps,
    progressIntervalMs: 1_000,
  });
  const sink = await startEventSink();
  return {
    sim,
    settings: {
      ...appSettings(sim, sink),
      RPCOPY_FIRST_POLL_SECONDS: '2',
      RPCOPY_MAX_POLL_INTERVAL_SECONDS: '2',
      RPCOPY_PROGRESS_REFRESH_SECONDS: '2',
      ...settings,
    },
    events: () => sink.events(),
    async close() {
      await sim.close();
      await sink.close();
    },
  };
}

function post(route: string, body: unknown, params: Record<string, string> = {}): RpcTypedData {
  return {
    http: {
      method: 'POST',
      url: `http://127.0.0.1:7071/api/${route}`,
      headers: { 'content-type': 'application/json' },
      query: {},
      params,
      body: { string: JSON.stringify(body) },
    },
  };
}

/** The copy PUT of every copy into westus2 (the simulator's default source collection `src`). */
const COPY_PUT = {
  kind: 'http' as const,
  method: 'PUT',
  path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/src-westus2/restorePoints/*',
};

const WESTUS2_ONLY = { 'rpcopy-targets': 'westus2' };

/** Starts a copy of each source restore point into westus2, one request after the other, and returns the ids. */
async function startCopies(driver: ScenarioDriver, sources: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const source of sources) {
    ids.push(
      ...startedCopies(await driver.call('startCopyHttp', post('copies', { sourceRestorePointId: source }))),
    );
  }
  return ids;
}

async function untilAllEnded(driver: ScenarioDriver, ids: string[]): Promise<void> {
  for (const id of ids) {
    await driver.waitFor(id);
  }
}

/** Waits (in real time, without timers: the dev host's clock stands still) until the copy shows `status`. */
async function untilCopyStatus(driver: ScenarioDriver, id: string, status: string): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 300; attempt++) {
    const current = await driver.client.getStatus(id);
    last = (current.customStatus as { status?: unknown } | null | undefined)?.status;
    if (last === status) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${id} never showed ${status} (last ${String(last)})`);
}

/** The instance ids of a start response (202 with `copies[].id`). */
function startedCopies(reply: unknown): string[] {
  const returnValue = (reply as { returnValue?: { http?: { body?: { string?: string; bytes?: string } } } })
    .returnValue;
  const body = returnValue?.http?.body;
  const text = body?.string ?? (body?.bytes ? Buffer.from(body.bytes, 'base64').toString('utf8') : '{}');
  const parsed = JSON.parse(text) as { copies?: { id: string }[] };
  return (parsed.copies ?? []).map((copy) => copy.id);
}

export const rpcopyScenarios: Scenario[] = [
  {
    name: 'rpcopy-happy-three-disks',
    app: '.',
    environment: rpcopyEnvironment,
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32, 64, 128] });
      const source = await createSourceRestorePoint(sim, 'rp1');
      const reply = await driver.call('startCopyHttp', post('copies', { sourceRestorePointId: source }));
      const ids = startedCopies(reply);
      for (const id of ids) {
        await driver.waitFor(id);
      }
      return ids;
    },
  },
  {
    name: 'rpcopy-failed-disk',
    app: '.',
    // The 512 GB disk reaches the fault's 30 % after about a second, well before the first poll at 2 s.
    environment: (clock) => rpcopyEnvironmentWith(clock, 150_000),
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [64, 512], tags: { 'rpcopy-targets': 'westus2' } });
      sim.sim.setFaults([
        { kind: 'copy', target: 'next', effect: { type: 'failDisk', atPercent: 30, disk: 1 } },
      ]);
      const source = await createSourceRestorePoint(sim, 'rp1');
      const reply = await driver.call('startCopyHttp', post('copies', { sourceRestorePointId: source }));
      const ids = startedCopies(reply);
      for (const id of ids) {
        await driver.waitFor(id);
      }
      return ids;
    },
  },
  {
    name: 'rpcopy-throttled-copy-put',
    app: '.',
    // A 12 s Retry-After is one rpcopy wait, which the provider's 10 s timer limit splits into 3 s steps.
    shortTimers: { maxShortTimerSeconds: 10, longTimerIntervalSeconds: 3 },
    environment: rpcopyEnvironment,
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32], tags: WESTUS2_ONLY });
      sim.sim.setFaults([{ ...COPY_PUT, times: 1, effect: { type: 'throttle', retryAfterSeconds: 12 } }]);
      const ids = await startCopies(driver, [await createSourceRestorePoint(sim, 'rp1')]);
      await untilAllEnded(driver, ids);
      return ids;
    },
  },
  {
    name: 'rpcopy-cancel',
    app: '.',
    // The first poll comes late, so the cancel always meets a copy that is replicating and waiting.
    environment: (clock) => rpcopyEnvironmentWith(clock, 10_000_000, { RPCOPY_FIRST_POLL_SECONDS: '600' }),
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32, 64], tags: WESTUS2_ONLY });
      const ids = await startCopies(driver, [await createSourceRestorePoint(sim, 'rp1')]);
      const [id = ''] = ids;
      await untilCopyStatus(driver, id, 'Replicating');
      await driver.call('cancelCopyHttp', post(`copies/${id}/cancel`, {}, { id }));
      await untilAllEnded(driver, ids);
      return ids;
    },
  },
  {
    name: 'rpcopy-continue-as-new',
    app: '.',
    // One wait per generation: three throttled copy requests and the poll make four waits, so the copy
    // continues as new three times.
    environment: (clock) => rpcopyEnvironmentWith(clock, 10_000_000, { RPCOPY_POLLS_PER_GENERATION: '1' }),
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32], tags: WESTUS2_ONLY });
      sim.sim.setFaults([{ ...COPY_PUT, times: 3, effect: { type: 'throttle', retryAfterSeconds: 2 } }]);
      const ids = await startCopies(driver, [await createSourceRestorePoint(sim, 'rp1')]);
      await untilAllEnded(driver, ids);
      return ids;
    },
  },
  {
    name: 'rpcopy-timeout',
    app: '.',
    // The shortest timeout (0.01 h = 36 s) passes during a 38 s Retry-After: the copy times out throttled.
    environment: (clock) => rpcopyEnvironmentWith(clock, 10_000_000, { RPCOPY_COPY_TIMEOUT_HOURS: '0.01' }),
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32], tags: WESTUS2_ONLY });
      sim.sim.setFaults([{ ...COPY_PUT, effect: { type: 'throttle', retryAfterSeconds: 38 } }]);
      const ids = await startCopies(driver, [await createSourceRestorePoint(sim, 'rp1')]);
      await untilAllEnded(driver, ids);
      return ids;
    },
  },
  {
    name: 'rpcopy-same-start-twice',
    app: '.',
    environment: rpcopyEnvironment,
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32], tags: WESTUS2_ONLY });
      const source = await createSourceRestorePoint(sim, 'rp1');
      // The same request twice in a row, as a retrying caller sends it: one instance id, one copy.
      const ids = await startCopies(driver, [source]);
      const again = await startCopies(driver, [source]);
      await untilAllEnded(driver, [...new Set([...ids, ...again])]);
      return [...new Set([...ids, ...again])];
    },
  },
  {
    name: 'rpcopy-two-queued',
    app: '.',
    // The second copy's first turn check finds the first in flight; its recheck 8 s later finds it done.
    environment: (clock) => rpcopyEnvironmentWith(clock, 10_000_000, { RPCOPY_QUEUE_RECHECK_SECONDS: '8' }),
    async run(driver) {
      const { sim } = driver.environment as RpcopyEnvironment;
      await seedSource(sim, { diskSizesGB: [32], tags: WESTUS2_ONLY });
      const first = await createSourceRestorePoint(sim, 'rp1');
      const second = await createSourceRestorePoint(sim, 'rp2');
      // The second starts once the first shows it replicating: two copies requested at the same instant can
      // both pass the turn check before either shows itself (recorded on the real engine: Azure then refuses
      // the second PUT with 409 and the copy goes back to the queue), which is a race, not an order.
      const ids = await startCopies(driver, [first]);
      await untilCopyStatus(driver, ids[0] ?? '', 'Replicating');
      ids.push(...(await startCopies(driver, [second])));
      await untilAllEnded(driver, ids);
      return ids;
    },
  },
];
