import { startComputeSimulator, type ComputeSimulator, type FaultRule } from '../dev/compute-sim';
import { VirtualClock } from '../dev/clock';
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
import {
  DEFAULT_DEMO_PLAN,
  createSourceRestorePoint,
  demoIds,
  seedDemo,
  type DemoPlan,
} from '../dev/stack/seed';

/**
 * How many instance-view GETs a copy costs, and how late its completion is noticed, under rpcopy's adaptive
 * schedule and under fixed-interval polling, against the real simulator and the real Compute client.
 */

export interface PollingScenario {
  name: string;
  disksGB: number[];
  /** A copy that stops progressing is watched for this long, then the run stops counting. */
  stallAtPercent?: number;
}

export interface PollingResult {
  scenario: string;
  strategy: string;
  gets: number;
  /** Clock seconds between the copy becoming visible as complete and the poll that saw it. */
  detectionLagSeconds: number | undefined;
  /** Clock seconds from the copy PUT to detection (or to the end of the watch window). */
  watchedSeconds: number;
}

const REFRESH_SECONDS = 600;
const STALL_WATCH_SECONDS = 3 * 24 * 3600;

const settings: PollingSettings = {
  refreshIntervalSeconds: DEFAULTS.progressRefreshSeconds,
  maxIntervalSeconds: DEFAULTS.maxPollIntervalSeconds,
  firstPollSeconds: DEFAULTS.firstPollSeconds,
  stallAfterPolls: DEFAULTS.stallAfterPolls,
};

type Schedule = 'adaptive' | { fixedSeconds: number };

async function runOne(
  scenario: PollingScenario,
  schedule: Schedule,
): Promise<PollingResult & { completedAt?: number }> {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const faults: FaultRule[] =
    scenario.stallAtPercent === undefined
      ? []
      : [{ kind: 'copy', target: 'next', effect: { type: 'stall', atPercent: scenario.stallAtPercent } }];
  const sim: ComputeSimulator = await startComputeSimulator({ clock, lroRetryAfterSeconds: 0, faults });
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
    if (!targetRef.ok) throw new Error(targetRef.message);
    await gateway.createOrUpdateRestorePointCollection(collectionOf(targetRef.value), {
      location: 'westus2',
      sourceId: demoIds(plan).sourceCollectionId,
      tags: {},
    });
    await gateway.beginCopyRestorePoint(targetRef.value, sourceId);
    const startedAt = clock.now();
    sim.clearRequestLog();

    let state = initialPollState();
    let detectedAt: number | undefined;
    let delaySeconds = schedule === 'adaptive' ? settings.firstPollSeconds : schedule.fixedSeconds;
    while (clock.now() - startedAt < STALL_WATCH_SECONDS * 1000) {
      await clock.advanceBy(delaySeconds * 1000);
      const view = await gateway.getRestorePoint(targetRef.value, { instanceView: true });
      if (!view) throw new Error('the copy disappeared');
      const verdict = evaluateReplication(view);
      if (verdict.state !== 'inProgress') {
        detectedAt = clock.now();
        break;
      }
      const now = new Date(clock.now()).toISOString();
      state = recordProgress(state, { at: now, percent: verdict.percent });
      if (schedule === 'adaptive') {
        delaySeconds = nextPollDelaySeconds({
          state,
          now,
          startedAt: new Date(startedAt).toISOString(),
          deadline: new Date(startedAt + STALL_WATCH_SECONDS * 1000).toISOString(),
          settings,
        });
        state = withDelay(state, delaySeconds);
      }
    }
    const gets = sim.requestLog.filter((entry) => entry.method === 'GET').length;
    return {
      scenario: scenario.name,
      strategy: schedule === 'adaptive' ? 'adaptive' : `every ${schedule.fixedSeconds / 60} min`,
      gets,
      detectionLagSeconds: undefined,
      watchedSeconds: ((detectedAt ?? clock.now()) - startedAt) / 1000,
      ...(detectedAt !== undefined ? { completedAt: detectedAt } : {}),
    };
  } finally {
    await sim.close();
  }
}

/**
 * Runs each scenario under the adaptive schedule, the fixed 10-minute baseline (Azure's refresh interval)
 * and a 1-minute reference whose detection time stands for "as soon as it was visible".
 */
export async function measurePollingCost(scenarios: PollingScenario[]): Promise<PollingResult[]> {
  const results: PollingResult[] = [];
  for (const scenario of scenarios) {
    const reference = await runOne(scenario, { fixedSeconds: 60 });
    const visibleAt = reference.completedAt;
    for (const schedule of ['adaptive', { fixedSeconds: REFRESH_SECONDS }] as const) {
      const result = await runOne(scenario, schedule);
      results.push({
        ...result,
        detectionLagSeconds:
          result.completedAt !== undefined && visibleAt !== undefined
            ? Math.max(0, (result.completedAt - visibleAt) / 1000)
            : undefined,
      });
    }
  }
  return results;
}
