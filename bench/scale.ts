import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { VirtualClock } from '../dev/clock';
import type { DevDurableEngine, StoreStats } from '../dev/host/durable';
import { createSourceRestorePoint, DEFAULT_DEMO_PLAN, seedDemo, type DemoPlan } from '../dev/stack/seed';
import { DEV_STACK_CLIENT, startStack, type Stack } from '../dev/stack/stack';

/**
 * `npm run bench -- scale`: N copies through the local stack (Compute simulator, dev host, the app) on a
 * virtual clock, with the default cap of 10 copies per subscription and region. Each size runs in its own
 * process (see run.ts), so its CPU time and peak memory are its own.
 */

export const MAX_CONCURRENT_COPIES = 10;
/** Two target regions per collection, as the customer of issue 10 has: N copies are N/2 restore points. */
const TARGET_REGIONS = ['westus2', 'centralus'] as const;
/** One 32 GB disk: about 11 simulated minutes at the simulator's 50 MiB/s. */
const DISK_SIZE_GB = 32;
/** The default `RPCOPY_RECONCILE_SCHEDULE` (`0 0 * * * *`) sweeps every hour. */
const HOUR_MS = 3_600_000;
const SWEEPS_PER_DAY = 24;
const NEVER = '0 0 0 1 1 *';
const T0 = Date.UTC(2026, 0, 1);
const ENDED = new Set([
  'RestorePointCopy.Succeeded',
  'RestorePointCopy.Failed',
  'RestorePointCopy.TimedOut',
  'RestorePointCopy.Canceled',
  'RestorePointCopy.Skipped',
]);
/** Collections seeded at once: enough to overlap the round trips of their ARM calls. */
const SEED_AT_ONCE = 16;
/**
 * No read throttling: on a virtual clock every copy that starts at one instant reads ARM in the same
 * simulated second, a burst no real subscription sees. The figures count the reads instead.
 */
const UNTHROTTLED = { capacity: 1_000_000_000, refillPerSecond: 1_000_000_000 };

export interface ScaleFigures {
  copies: number;
  /** How many copies ended in each state (all should be Succeeded). */
  outcomes: Record<string, number>;
  finished: boolean;
  perCopy: {
    armGets: number;
    armPuts: number;
    storeReads: number;
    storeWrites: number;
    entityOperations: number;
    cpuMs: number;
    historyEvents: number;
  };
  /** NaN (null in JSON) when the run stopped before its copies ended. */
  reconcileGetsPerCollectionPerDay: number | null;
  peakRssMiB: number;
  /** Simulated time from the first restore point to the last copy's end. */
  makespanMs: number;
  /** What the cap implies: waves of 10 copies per region, each as long as a median copy. */
  impliedMakespanMs: number;
  realMs: number;
}

interface Snapshot {
  armGets: number;
  armPuts: number;
  store: StoreStats;
  cpuMicros: number;
}

function appRequests(stack: Stack, method: string): number {
  return stack.simulator.requestLog.filter(
    (entry) => entry.method === method && entry.client !== DEV_STACK_CLIENT,
  ).length;
}

function snapshot(stack: Stack, engine: DevDurableEngine): Snapshot {
  const cpu = process.cpuUsage();
  return {
    armGets: appRequests(stack, 'GET'),
    armPuts: appRequests(stack, 'PUT'),
    store: engine.storeStats(),
    cpuMicros: cpu.user + cpu.system,
  };
}

function planFor(index: number): DemoPlan {
  const vmName = `vm-${String(index).padStart(5, '0')}`;
  return {
    ...DEFAULT_DEMO_PLAN,
    vmName,
    collectionName: `${vmName}-rpc`,
    targetRegions: [...TARGET_REGIONS],
    osDiskSizeGB: DISK_SIZE_GB,
    dataDiskSizesGB: [],
  };
}

async function inBatches<T>(items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += SEED_AT_ONCE) {
    await Promise.all(items.slice(start, start + SEED_AT_ONCE).map(work));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

export interface ScaleOptions {
  copies: number;
  /** Real milliseconds after which the run stops and reports what it reached. */
  realLimitMs: number;
  progress?: (line: string) => void;
}

/** Runs `copies` copies to their end and measures what they cost. */
export async function measureScale(options: ScaleOptions): Promise<ScaleFigures> {
  const { copies, progress = () => undefined } = options;
  if (copies % TARGET_REGIONS.length !== 0) {
    throw new RangeError(`The number of copies must be a multiple of ${TARGET_REGIONS.length}.`);
  }
  const clock = new VirtualClock(T0);
  const dataDir = mkdtempSync(join(tmpdir(), 'rpcopy-scale-'));
  const stack = await startStack({
    clock,
    dataDir,
    port: 0,
    simulator: { lroDurationMs: 0, lroRetryAfterSeconds: 0, readBudget: UNTHROTTLED },
    armPollIntervalMs: 5,
    log: () => undefined,
    settings: {
      RPCOPY_MAX_CONCURRENT_COPIES: String(MAX_CONCURRENT_COPIES),
      // Sweeps are measured on their own below, not mixed into what a copy costs.
      RPCOPY_RECONCILE_SCHEDULE: NEVER,
      RPCOPY_PROTECTION_SCHEDULE: NEVER,
    },
  });
  try {
    const engine = stack.host.engine as DevDurableEngine;
    const plans = Array.from({ length: copies / TARGET_REGIONS.length }, (_, index) => planFor(index));
    const poll = { updateIntervalInMs: 5 };
    await inBatches(plans, (plan) => seedDemo(stack.compute, plan, poll));
    progress(`seeded ${plans.length} collections`);

    const realStart = Date.now();
    const start = clock.now();
    const before = snapshot(stack, engine);
    await inBatches(plans, (plan) => createSourceRestorePoint(stack.compute, plan, 'rp-0001', poll));

    const outcomes: Record<string, number> = {};
    const durations: number[] = [];
    let seenEvents = 0;
    let lastEndAt = start;
    let ended = 0;
    let lastReport = Date.now();
    let finished = false;
    const countEnded = (): void => {
      const events = stack.sink.events();
      for (; seenEvents < events.length; seenEvents++) {
        const event = events[seenEvents]?.event;
        const type = typeof event?.type === 'string' ? event.type : '';
        if (!ENDED.has(type)) {
          continue;
        }
        ended += 1;
        lastEndAt = Math.max(lastEndAt, clock.now());
        const status = type.slice('RestorePointCopy.'.length);
        outcomes[status] = (outcomes[status] ?? 0) + 1;
        const data = event?.data as { startedAt?: string; completedAt?: string } | undefined;
        if (data?.startedAt !== undefined && data.completedAt !== undefined) {
          durations.push(Date.parse(data.completedAt) - Date.parse(data.startedAt));
        }
      }
    };
    for (;;) {
      await engine.whenIdle();
      await clock.settle();
      await engine.whenIdle();
      countEnded();
      if (ended >= copies) {
        finished = true;
        break;
      }
      if (Date.now() - realStart > options.realLimitMs) {
        break;
      }
      if (Date.now() - lastReport > 10_000) {
        lastReport = Date.now();
        const hours = ((clock.now() - start) / 3_600_000).toFixed(2);
        progress(
          `${ended}/${copies} ended after ${hours} simulated h, ${Math.round((Date.now() - realStart) / 1000)} s`,
        );
      }
      const next = clock.nextDueAt();
      if (next === undefined) {
        throw new Error(`Only ${ended} of ${copies} copies ended, and nothing is scheduled.`);
      }
      await clock.advanceTo(next);
    }
    const realMs = Date.now() - realStart;
    const makespanMs = lastEndAt - start;
    const after = snapshot(stack, engine);

    // A day of hourly sweeps as the timer would run them, after a first one (which looks at everything).
    const sweep = async (): Promise<void> => {
      await stack.host.fireTimer('reconcileCopiesTimer');
      await engine.whenIdle();
      await clock.settle();
      await engine.whenIdle();
    };
    // Only once the copies ended: a day of simulated time would otherwise run the rest of them.
    let dayGets = Number.NaN;
    if (finished) {
      await sweep();
      const beforeDay = appRequests(stack, 'GET');
      for (let hour = 0; hour < SWEEPS_PER_DAY; hour++) {
        await clock.advanceBy(HOUR_MS);
        await sweep();
      }
      dayGets = appRequests(stack, 'GET') - beforeDay;
    }
    // The demo collection the stack seeds is in scope too.
    const collections = plans.length + 1;

    const reads = (stats: StoreStats): number => stats.instanceReads + stats.historyReads + stats.queueReads;
    // Per copy asked for: a run stopped at the time limit shows what its copies cost so far.
    const perCopy = (value: number): number => value / copies;
    const waves = Math.ceil(copies / TARGET_REGIONS.length / MAX_CONCURRENT_COPIES);
    return {
      copies,
      outcomes,
      finished,
      perCopy: {
        armGets: perCopy(after.armGets - before.armGets),
        armPuts: perCopy(after.armPuts - before.armPuts),
        storeReads: perCopy(reads(after.store) - reads(before.store)),
        storeWrites: perCopy(after.store.writes - before.store.writes),
        entityOperations: perCopy(after.store.entityMessages - before.store.entityMessages),
        cpuMs: perCopy((after.cpuMicros - before.cpuMicros) / 1000),
        historyEvents: perCopy(after.store.historyWrites - before.store.historyWrites),
      },
      reconcileGetsPerCollectionPerDay: dayGets / collections,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      makespanMs,
      impliedMakespanMs: waves * median(durations),
      realMs,
    };
  } finally {
    await stack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
