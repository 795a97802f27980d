import { startComputeSimulator, type ComputeSimulator, type FaultRule } from '../dev/compute-sim';
import { VirtualClock } from '../dev/clock';
import { diskDurationMs } from '../dev/compute-sim/replication';
import { createComputeClient, createCredential, type ArmConnection } from '../src/azure/computeClient';
import { ArmComputeGateway } from '../src/azure/armComputeGateway';
import { collectionOf, parseRestorePointId } from '../src/domain/armIds';
import { evaluateReplication } from '../src/domain/replication';
import {
  initialPollState,
  nextPollDelaySeconds,
  recordProgress,
  withDelay,
  type PollingSettings,
} from '../src/domain/polling';
import { DEFAULTS } from '../src/config';
import { AzureRequestError } from '../src/errors';
import {
  DEFAULT_DEMO_PLAN,
  createSourceRestorePoint,
  demoIds,
  seedDemo,
  type DemoPlan,
} from '../dev/stack/seed';

/**
 * What noticing a copy's end costs: instance-view GETs per copy and the detection lag, under rpcopy's
 * phase-locked schedule and under fixed-interval polling.
 *
 * @remarks Each copy runs on its own Compute simulator, through the real `@azure/arm-compute` client, on a
 * virtual clock, with its own refresh phase and period (drawn from the run's seed, as Azure's differ between
 * copies). Lag is measured from the simulator's ground truth: the instant its first refresh shows the copy
 * complete. A fixed-interval poller's schedule does not depend on what it reads, so its cost for each start
 * phase is counted against that same ground truth: its first poll at or after the instant. Its start phases
 * are spread evenly across its interval (for the 10-minute poller: across a refresh period), and its figures
 * are averaged over them. Baselines are never throttled, which only makes them harder to beat.
 */

export interface PollingScenario {
  name: string;
  disksGB: number[];
  /** Per disk. @default {@link DEFAULT_THROUGHPUT_MIBPS} */
  throughputMiBps?: number;
  /** The copy stops progressing here and is watched for {@link STALL_WATCH_SECONDS}. */
  stallAtPercent?: number;
  /** A quarter of the GETs are answered 429 with a `Retry-After` of 20 to 60 seconds. */
  throttledReads?: boolean;
  /** Refreshes land up to 30 s late and one in ten does not happen. */
  irregularRefreshes?: boolean;
}

export interface StrategyFigures {
  /** Mean GETs per copy. */
  gets: number;
  /** Detection lags in seconds (one per copy and start phase); empty when the copy never ended. */
  lags: number[];
  /**
   * The same lags less the time Azure made the poller wait: the `Retry-After` of reads throttled after the
   * end, which no schedule can shorten. Equal to `lags` when nothing was throttled.
   */
  lagsNetOfRetryAfter?: number[];
}

export interface ScenarioResult {
  scenario: PollingScenario;
  /** Mean seconds from the copy request to the ground-truth end; undefined for a stall. */
  durationSeconds: number | undefined;
  phaseLocked: StrategyFigures;
  baselines: { intervalSeconds: number; figures: StrategyFigures }[];
}

const DEFAULT_THROUGHPUT_MIBPS = 50;
export const BASELINE_INTERVALS = [30, 60, 600] as const;
/** Every bench copy's refreshes: this period, each copy's own within ± the spread, at its own phase. */
export const BENCH_REFRESH = { periodSeconds: 600, periodSpread: 0.05 } as const;
const BASELINE_PHASES = 8;
const STALL_WATCH_SECONDS = 3 * 24 * 3600;
/** Longer than any scenario, shorter than the simulator's 14-day limit. */
const WATCH_LIMIT_SECONDS = 13 * 24 * 3600;

const settings: PollingSettings = {
  refreshIntervalSeconds: DEFAULTS.progressRefreshSeconds,
  maxIntervalSeconds: DEFAULTS.maxPollIntervalSeconds,
  firstPollSeconds: DEFAULTS.firstPollSeconds,
  stallAfterPolls: DEFAULTS.stallAfterPolls,
};

interface CopyRun {
  /** Seconds from the copy request to the first refresh showing it complete. */
  endsAfter: number | undefined;
  gets: number;
  lag: number | undefined;
  /** Seconds of `Retry-After` waited after the end became visible. */
  waitedAfterEnd: number;
}

async function runCopy(scenario: PollingScenario, seed: number): Promise<CopyRun> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const faults: FaultRule[] = [];
  if (scenario.stallAtPercent !== undefined) {
    faults.push({
      kind: 'copy',
      target: 'next',
      effect: { type: 'stall', atPercent: scenario.stallAtPercent },
    });
  }
  const sim: ComputeSimulator = await startComputeSimulator({
    clock,
    seed,
    lroRetryAfterSeconds: 0,
    faults,
    throughputMiBps: scenario.throughputMiBps ?? DEFAULT_THROUGHPUT_MIBPS,
    progressIntervalMs: BENCH_REFRESH.periodSeconds * 1000,
    progressRefresh: {
      randomPhase: true,
      periodSpread: BENCH_REFRESH.periodSpread,
      ...(scenario.irregularRefreshes === true ? { jitterMs: 30_000, skipProbability: 0.1 } : {}),
    },
  });
  try {
    const connection: ArmConnection = {
      endpoint: sim.endpoint,
      ...(sim.caCertificatePem ? { caCertificatePem: sim.caCertificatePem } : {}),
      credential: 'static',
    };
    const credential = createCredential(connection);
    const plan: DemoPlan = {
      ...DEFAULT_DEMO_PLAN,
      osDiskSizeGB: scenario.disksGB[0] ?? 32,
      dataDiskSizesGB: scenario.disksGB.slice(1),
    };
    const client = createComputeClient(connection, credential, plan.subscriptionId);
    clock.startAuto();
    await seedDemo(client, plan, { updateIntervalInMs: 1 });
    const sourceId = await createSourceRestorePoint(client, plan, 'rp-bench', { updateIntervalInMs: 1 });
    clock.stopAuto();

    const gateway = new ArmComputeGateway(connection, credential);
    const target = `${demoIds(plan).sourceCollectionId}-westus2/restorePoints/rp-bench`;
    const targetRef = parseRestorePointId(target);
    if (!targetRef.ok) {
      throw new Error(targetRef.message);
    }
    await gateway.createOrUpdateRestorePointCollection(collectionOf(targetRef.value), {
      location: 'westus2',
      sourceId: demoIds(plan).sourceCollectionId,
      tags: {},
    });
    await gateway.beginCopyRestorePoint(targetRef.value, sourceId);
    const requestedAt = clock.now();
    const endsAt = sim.copyEndsAt(target);
    if (scenario.throttledReads === true) {
      // Set after the PUT: the copy request itself is not what is measured.
      sim.setFaults([
        {
          kind: 'http',
          method: 'GET',
          path: '**/restorePoints/*',
          probability: 0.25,
          effect: { type: 'throttle', retryAfterSeconds: 20 + (seed % 5) * 10 },
        },
      ]);
    }
    sim.clearRequestLog();

    const iso = (ms: number): string => new Date(ms).toISOString();
    const watchUntil =
      requestedAt + (endsAt === undefined ? STALL_WATCH_SECONDS : WATCH_LIMIT_SECONDS) * 1000;
    let state = initialPollState();
    let detectedAt: number | undefined;
    let retryAfterSeconds: number | undefined;
    let waitedAfterEnd = 0;
    while (detectedAt === undefined) {
      const delay = nextPollDelaySeconds({
        state,
        now: iso(clock.now()),
        startedAt: iso(requestedAt),
        deadline: iso(watchUntil),
        settings,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
      retryAfterSeconds = undefined;
      state = withDelay(state, delay);
      if (clock.now() + delay * 1000 > watchUntil) {
        break;
      }
      await clock.advanceBy(delay * 1000);
      let view;
      try {
        view = await gateway.getRestorePoint(targetRef.value, { instanceView: true });
      } catch (error) {
        if (error instanceof AzureRequestError && error.statusCode === 429) {
          retryAfterSeconds = error.retryAfterSeconds ?? 60;
          if (endsAt !== undefined && clock.now() >= endsAt) {
            waitedAfterEnd += retryAfterSeconds;
          }
          continue;
        }
        throw error;
      }
      if (!view) {
        throw new Error('the copy disappeared');
      }
      const verdict = evaluateReplication(view);
      if (verdict.state !== 'inProgress') {
        if (verdict.state !== 'succeeded' || endsAt === undefined || clock.now() < endsAt) {
          throw new Error(
            `${scenario.name}: ${verdict.state} at ${iso(clock.now())}, truth ${String(endsAt)}`,
          );
        }
        detectedAt = clock.now();
        break;
      }
      state = recordProgress(
        state,
        { at: iso(clock.now()), percent: verdict.percent, disks: verdict.disks.map((disk) => disk.percent) },
        settings,
        iso(requestedAt),
      );
    }
    if (endsAt !== undefined && detectedAt === undefined) {
      throw new Error(`${scenario.name} (seed ${seed}): completion never noticed`);
    }
    return {
      endsAfter: endsAt === undefined ? undefined : (endsAt - requestedAt) / 1000,
      gets: sim.requestLog.filter((entry) => entry.method === 'GET').length,
      lag: detectedAt === undefined || endsAt === undefined ? undefined : (detectedAt - endsAt) / 1000,
      waitedAfterEnd,
    };
  } finally {
    await sim.close();
  }
}

/** The longest disk's copy time: the copy cannot show complete before it. */
export function longestDiskSeconds(scenario: PollingScenario): number {
  return (
    Math.max(
      ...scenario.disksGB.map((sizeGB) =>
        diskDurationMs(sizeGB, scenario.throughputMiBps ?? DEFAULT_THROUGHPUT_MIBPS),
      ),
    ) / 1000
  );
}

/** A fixed-interval poller's cost, from the ground truth: its first poll at or after the visible end. */
function fixedInterval(intervalSeconds: number, runs: CopyRun[]): StrategyFigures {
  let gets = 0;
  const lags: number[] = [];
  for (const run of runs) {
    for (let phase = 0; phase < BASELINE_PHASES; phase++) {
      const firstPoll = ((phase + 0.5) / BASELINE_PHASES) * intervalSeconds;
      if (run.endsAfter === undefined) {
        gets += Math.floor((STALL_WATCH_SECONDS - firstPoll) / intervalSeconds) + 1;
        continue;
      }
      const polls = Math.max(0, Math.ceil((run.endsAfter - firstPoll) / intervalSeconds)) + 1;
      gets += polls;
      lags.push(firstPoll + (polls - 1) * intervalSeconds - run.endsAfter);
    }
  }
  return { gets: gets / (runs.length * BASELINE_PHASES), lags };
}

/** Runs each scenario once per seed (each seed its own refresh phase and period). */
export async function measurePollingCost(
  scenarios: PollingScenario[],
  seeds: number,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const scenario of scenarios) {
    const runs: CopyRun[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      runs.push(await runCopy(scenario, seed));
    }
    const ended = runs.filter((run) => run.endsAfter !== undefined);
    results.push({
      scenario,
      durationSeconds:
        ended.length === 0
          ? undefined
          : ended.reduce((sum, run) => sum + (run.endsAfter ?? 0), 0) / ended.length,
      phaseLocked: {
        gets: runs.reduce((sum, run) => sum + run.gets, 0) / runs.length,
        lags: runs.flatMap((run) => (run.lag === undefined ? [] : [run.lag])),
        lagsNetOfRetryAfter: runs.flatMap((run) =>
          run.lag === undefined ? [] : [Math.max(0, run.lag - run.waitedAfterEnd)],
        ),
      },
      baselines: BASELINE_INTERVALS.map((intervalSeconds) => ({
        intervalSeconds,
        figures: fixedInterval(intervalSeconds, runs),
      })),
    });
  }
  return results;
}

/** The value below which `fraction` of the values lie (nearest rank). */
export function percentile(values: number[], fraction: number): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
}
