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
import type { Scenario, ScenarioClock, ScenarioEnvironment } from '../scenario';

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
    },
    events: () => sink.events(),
    async close() {
      await sim.close();
      await sink.close();
    },
  };
}

function post(route: string, body: unknown): RpcTypedData {
  return {
    http: {
      method: 'POST',
      url: `http://127.0.0.1:7071/api/${route}`,
      headers: { 'content-type': 'application/json' },
      query: {},
      params: {},
      body: { string: JSON.stringify(body) },
    },
  };
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
];
