import type { ComputeManagementClient } from '@azure/arm-compute';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createComputeClient, createCredential } from '../../src/azure/computeClient';
import { seededRandom } from '../compute-sim/faultPlan';
import { DEMO_SUBSCRIPTION_ID, seedDemo, type DemoPlan } from '../stack/seed';
import { repositoryRoot, type ReadyDocument } from '../stack/stack';
import { parseSoakArgs, USAGE, UsageError, type SoakOptions } from './args';
import { startEventRelay, type EventRelay } from './eventRelay';
import { SOAK_FAULT_RATES, soakFaultPlan } from './soakFaults';
import { startStackProcess, type RunningStack, type StackProcessOptions } from './stackProcess';
import {
  countSoak,
  renderSoakTable,
  soakFailures,
  TERMINAL_STATUSES,
  unhonouredCancels,
  type ObservedCancel,
  type ObservedCopy,
  type ObservedEvent,
  type ObservedTarget,
} from './verdict';
import { runScript } from '../runScript';

/**
 * `npm run soak`: the local stack under faults, restarts and cancels, then one table of what was lost.
 * Everything random comes from one seeded generator, so a run can be repeated with `--seed`.
 */

const REGIONS = ['westus2', 'centralus', 'northeurope'] as const;
const RESOURCE_GROUP = 'rpcopy-soak';
/** The app's Event Grid trigger (src/functions/restorePointEvents.ts). */
const EVENT_GRID_FUNCTION = 'startCopyEventGrid';
const RESTARTS = 3;
const DROPPED_EVENTS = 0.03;
const DUPLICATED_EVENTS = 0.05;
const SIM_MINUTE = 60_000;
const SIM_HOUR = 60 * SIM_MINUTE;

function say(message: string): void {
  process.stderr.write(`soak: ${message}\n`);
}

const sleep = (ms: number): Promise<void> => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

function collectionName(index: number): string {
  return `soak-${index}-rpc`;
}

/** Unique across collections, because the simulator's copy faults pick sources by name. */
function restorePointName(collection: number, round: number): string {
  return `s${collection}-rp${round}`;
}

function planFor(index: number): DemoPlan {
  return {
    subscriptionId: DEMO_SUBSCRIPTION_ID,
    resourceGroup: RESOURCE_GROUP,
    location: 'eastus',
    vmName: `soak-${index}`,
    collectionName: collectionName(index),
    targetRegions: REGIONS,
    // Large enough that replication spans several of the simulator's 10-minute progress refreshes, so a
    // failed disk shows before the copy completes.
    osDiskSizeGB: 64,
    dataDiskSizesGB: [128],
  };
}

interface Copy extends ObservedCopy {
  [key: string]: unknown;
}

/** The stack as it currently runs: replaced on every restart, undefined while it is down. */
class StackHandle {
  current: RunningStack | undefined;
  compute: ComputeManagementClient | undefined;
  peakMemoryBytes = 0;

  ready(): ReadyDocument | undefined {
    return this.current?.ready;
  }

  use(stack: RunningStack): void {
    this.current = stack;
    const ready = stack.ready;
    const connection = {
      endpoint: ready.armEndpoint,
      credential: 'static' as const,
      ...(ready.caCertificatePath ? { caCertificatePem: readFileSync(ready.caCertificatePath, 'utf8') } : {}),
    };
    this.compute = createComputeClient(connection, createCredential(connection), ready.subscriptionId);
  }

  sampleMemory(): void {
    if (this.current) {
      this.peakMemoryBytes = Math.max(this.peakMemoryBytes, this.current.peakMemoryBytes());
    }
  }
}

/** Retries an operation while the stack is down or restarting; gives up after `budgetMs`. */
async function persistently<T>(
  what: string,
  handle: StackHandle,
  operation: (compute: ComputeManagementClient, ready: ReadyDocument) => Promise<T>,
  budgetMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const { compute } = handle;
    const ready = handle.ready();
    if (compute && ready) {
      try {
        return await operation(compute, ready);
      } catch (error) {
        lastError = error;
      }
    }
    await sleep(300);
  }
  throw new Error(
    `${what} kept failing: ${lastError instanceof Error ? lastError.message : String(lastError)}`,
  );
}

function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

async function listCopies(ready: ReadyDocument): Promise<Copy[]> {
  const copies: Copy[] = [];
  let token: string | null | undefined;
  do {
    const url = new URL('/api/copies', ready.appUrl);
    url.searchParams.set('top', '200');
    if (token) {
      url.searchParams.set('continuationToken', token);
    }
    const response = await fetch(url, {
      headers: { 'x-functions-key': ready.functionKey },
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 200) {
      throw new Error(`GET /api/copies answered ${response.status}`);
    }
    const page = (await response.json()) as { copies: Copy[]; continuationToken?: string | null };
    copies.push(...page.copies);
    token = page.continuationToken;
  } while (token);
  return copies.filter((copy) =>
    copy.sourceRestorePointId.toLowerCase().includes(`/resourcegroups/${RESOURCE_GROUP}/`),
  );
}

async function cancelCopy(ready: ReadyDocument, id: string): Promise<number> {
  const response = await fetch(new URL(`/api/copies/${encodeURIComponent(id)}/cancel`, ready.appUrl), {
    method: 'POST',
    headers: { 'x-functions-key': ready.functionKey },
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

async function sinkEvents(ready: ReadyDocument): Promise<ObservedEvent[]> {
  const response = await fetch(new URL('/events', ready.eventSinkUrl), {
    headers: { 'aeg-sas-key': ready.eventSinkKey },
    signal: AbortSignal.timeout(60_000),
  });
  if (response.status !== 200) {
    throw new Error(`GET /events answered ${response.status}`);
  }
  return (await response.json()) as ObservedEvent[];
}

async function createRestorePoint(handle: StackHandle, collection: number, round: number): Promise<void> {
  const name = restorePointName(collection, round);
  await persistently(`creating ${name}`, handle, async (compute) => {
    try {
      await compute.restorePoints.beginCreateAndWait(
        RESOURCE_GROUP,
        collectionName(collection),
        name,
        { consistencyMode: 'CrashConsistent' },
        { updateIntervalInMs: 200 },
      );
    } catch (error) {
      // Created by an attempt whose answer was lost in a restart: fine once it exists and succeeded.
      if (statusCodeOf(error) !== 409) {
        throw error;
      }
      const existing = await compute.restorePoints.get(RESOURCE_GROUP, collectionName(collection), name);
      if (existing.provisioningState !== 'Succeeded') {
        throw error;
      }
    }
  });
}

/** Runs `tasks` with at most `limit` at a time. */
async function inPool(limit: number, tasks: (() => Promise<void>)[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        await tasks[next++]?.();
      }
    }),
  );
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

async function readTargets(
  handle: StackHandle,
  collections: number,
): Promise<{
  targets: ObservedTarget[];
  sourceCreatedAt: Map<string, number>;
}> {
  const targets: ObservedTarget[] = [];
  const sourceCreatedAt = new Map<string, number>();
  for (let index = 0; index < collections; index++) {
    const names = [collectionName(index), ...REGIONS.map((region) => `${collectionName(index)}-${region}`)];
    for (const name of names) {
      const collection = await persistently(`reading ${name}`, handle, async (compute) => {
        try {
          return await compute.restorePointCollections.get(RESOURCE_GROUP, name, { expand: 'restorePoints' });
        } catch (error) {
          if (statusCodeOf(error) === 404) {
            return undefined;
          }
          throw error;
        }
      });
      for (const point of collection?.restorePoints ?? []) {
        const createdAt = point.timeCreated?.getTime() ?? 0;
        const source = point.sourceRestorePoint?.id;
        if (source === undefined) {
          if (point.id) {
            sourceCreatedAt.set(point.id.toLowerCase(), createdAt);
          }
        } else if (collection?.id) {
          targets.push({ collectionId: collection.id, sourceRestorePointId: source, createdAt });
        }
      }
    }
  }
  return { targets, sourceCreatedAt };
}

async function soak(options: SoakOptions, dataDir: string): Promise<number> {
  const random = seededRandom(options.seed);
  const started = Date.now();
  const root = repositoryRoot();

  const sourceNames = Array.from({ length: options.collections }, (_, collection) =>
    Array.from({ length: options.restorePoints }, (_, round) => restorePointName(collection, round)),
  ).flat();
  const faultsFile = join(dataDir, 'soak-faults.json');
  const faults = soakFaultPlan(SOAK_FAULT_RATES, sourceNames, REGIONS.length, random);
  writeFileSync(faultsFile, `${JSON.stringify(faults, null, 2)}\n`);

  const handle = new StackHandle();
  const relay: EventRelay = await startEventRelay({
    random,
    dropRate: DROPPED_EVENTS,
    duplicateRate: DUPLICATED_EVENTS,
    target: () => {
      const ready = handle.ready();
      if (!ready) {
        return undefined;
      }
      const keys = JSON.parse(readFileSync(join(dataDir, 'host', 'host-keys.json'), 'utf8')) as {
        eventGrid: string;
      };
      const url = new URL('/runtime/webhooks/eventgrid', ready.appUrl);
      url.searchParams.set('functionName', EVENT_GRID_FUNCTION);
      url.searchParams.set('code', keys.eventGrid);
      return url.toString();
    },
  });
  const stackOptions: StackProcessOptions = {
    main: join(root, 'dist', 'dev', 'stack', 'main.js'),
    node: process.execPath,
    dataDir,
    // Hundreds of copies through the default cap of 10 would take most of the soak's time in the queue.
    env: { RPCOPY_MAX_CONCURRENT_COPIES: '50' },
    args: [
      ...['--port', '0', '--quiet', '--restore-point-hours', '0', '--speed', String(options.speed)],
      ...['--faults', faultsFile, '--arm-events-to', relay.url],
    ],
  };

  let run = 0;
  const startRun = async (): Promise<void> => {
    // A port taken meanwhile by someone else fails a start; the next attempt usually gets through.
    for (let attempt = 1; ; attempt++) {
      try {
        handle.use(await startStackProcess(stackOptions, run++));
        return;
      } catch (error) {
        if (attempt >= 3) {
          throw error;
        }
        say(`the stack did not start (${(error as Error).message.split('\n')[0] ?? ''}); trying again`);
        await sleep(1000);
      }
    }
  };

  try {
    return await drive(options, dataDir, random, handle, relay, startRun, started);
  } finally {
    // A failure part way must not leave a stack running.
    await handle.current?.kill();
    await relay.close();
  }
}

async function drive(
  options: SoakOptions,
  dataDir: string,
  random: () => number,
  handle: StackHandle,
  relay: EventRelay,
  startRun: () => Promise<void>,
  started: number,
): Promise<number> {
  const deadline = started + options.maxMinutes * 60_000;
  const expectedCopies = options.collections * options.restorePoints * REGIONS.length;
  await startRun();
  say(`stack ready at ${handle.ready()?.appUrl ?? '?'}; data in ${dataDir}`);
  await inPool(
    4,
    Array.from({ length: options.collections }, (_, index) => async () => {
      await persistently(`seeding ${collectionName(index)}`, handle, async (compute) => {
        await seedDemo(compute, planFor(index), { updateIntervalInMs: 200 });
      });
    }),
  );
  say(`seeded ${options.collections} collections; ${expectedCopies} copies to come`);

  // Observation and cancels run in the background until the drain ends.
  const seen = new Set<string>();
  let latest: Copy[] = [];
  const cancels: ObservedCancel[] = [];
  const cancelTarget = Math.round(expectedCopies * options.cancelShare);
  let observing = true;
  let lastNewCopyAt = Date.now();
  const observer = (async () => {
    while (observing) {
      handle.sampleMemory();
      const ready = handle.ready();
      if (ready) {
        try {
          latest = await listCopies(ready);
          for (const copy of latest) {
            if (!seen.has(copy.id)) {
              lastNewCopyAt = Date.now();
            }
            seen.add(copy.id);
          }
        } catch {
          // The stack is restarting: the next look will do.
        }
      }
      await sleep(1000);
    }
  })();
  const canceller = (async () => {
    const canceled = new Set<string>();
    while (observing && cancels.length < cancelTarget) {
      await sleep(200 + random() * 1200);
      const ready = handle.ready();
      const candidates = latest.filter(
        (copy) => !TERMINAL_STATUSES.has(copy.status) && !canceled.has(copy.id),
      );
      const chosen = candidates[Math.floor(random() * candidates.length)];
      if (!ready || !chosen) {
        continue;
      }
      canceled.add(chosen.id);
      try {
        cancels.push({ copyId: chosen.id, status: await cancelCopy(ready, chosen.id) });
      } catch {
        cancels.push({ copyId: chosen.id, status: 0 });
      }
    }
  })();

  // Restore points in rounds, a simulated 25 minutes apart, with the three restarts spread over the rounds
  // and the drain. Each round's order is shuffled so collections race one another differently.
  const roundGapMs = (25 * SIM_MINUTE) / options.speed;
  const killAfterRounds = Array.from({ length: RESTARTS }, (_, index) =>
    Math.floor(((index + 1) * options.restorePoints) / (RESTARTS + 1)),
  );
  const restart = async (why: string): Promise<void> => {
    const stack = handle.current;
    if (!stack) {
      return;
    }
    handle.sampleMemory();
    await sleep(random() * roundGapMs);
    handle.current = undefined;
    await stack.kill();
    say(`kill -9 of the stack (${why})`);
    await sleep(200 + random() * 1500);
    await startRun();
  };
  let restarts = 0;
  let lastRestorePointAt = Date.now();
  for (let round = 0; round < options.restorePoints; round++) {
    const order = shuffled(
      Array.from({ length: options.collections }, (_, index) => index),
      random,
    );
    await inPool(
      4,
      order.map((collection) => () => createRestorePoint(handle, collection, round)),
    );
    lastRestorePointAt = Date.now();
    say(`round ${round + 1}/${options.restorePoints}: ${options.collections} restore points created`);
    const restartsNow = killAfterRounds.filter((after) => after === round).length;
    for (let i = 0; i < restartsNow; i++) {
      await restart(`restart ${++restarts} of ${RESTARTS}, in round ${round + 1}`);
    }
    await sleep(roundGapMs);
  }
  while (restarts < RESTARTS) {
    await restart(`restart ${++restarts} of ${RESTARTS}, while copies drain`);
  }

  // Drain: every copy ended, reconciliation had two hourly runs to make up dropped events, and nothing new
  // appeared for a simulated hour.
  const simSince = (time: number): number => (Date.now() - time) * options.speed;
  for (;;) {
    handle.sampleMemory();
    const allEnded = latest.length > 0 && latest.every((copy) => TERMINAL_STATUSES.has(copy.status));
    const quiet = simSince(lastRestorePointAt) >= 2 * SIM_HOUR && simSince(lastNewCopyAt) >= SIM_HOUR;
    if (allEnded && quiet) {
      break;
    }
    if (Date.now() > deadline) {
      say(`gave up waiting after ${options.maxMinutes} minutes; unfinished copies count as lost`);
      break;
    }
    await sleep(1000);
  }
  await relay.settle();
  observing = false;
  await Promise.all([observer, canceller]);

  const ready = handle.ready();
  if (!ready) {
    throw new Error('the stack is not running at the end of the soak');
  }
  const finalCopies = await persistently('listing the copies', handle, (_compute, current) =>
    listCopies(current),
  );
  const events = await persistently('reading the sink', handle, (_compute, current) => sinkEvents(current));
  const { targets, sourceCreatedAt } = await readTargets(handle, options.collections);
  handle.sampleMemory();
  await handle.current?.stop();
  handle.current = undefined;

  const observations = {
    expectedCopies,
    seenCopyIds: new Set([...seen, ...finalCopies.map((copy) => copy.id)]),
    finalCopies,
    events,
    targets,
    sourceCreatedAt,
    cancels,
    peakMemoryBytes: handle.peakMemoryBytes,
  };
  const counts = countSoak(observations);
  const relayed = relay.counts();
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  process.stdout.write(
    `rpcopy soak: seed ${options.seed}, ${options.collections} collections × ${options.restorePoints} restore points × ${REGIONS.length} regions, ` +
      `${RESTARTS} kill -9 restarts, ${relayed.dropped} events dropped and ${relayed.duplicated} repeated, ${minutes} min\n`,
  );
  const outcomes = new Map<string, number>();
  for (const copy of finalCopies) {
    outcomes.set(copy.status, (outcomes.get(copy.status) ?? 0) + 1);
  }
  process.stdout.write(
    `outcomes: ${[...outcomes].map(([status, count]) => `${count} ${status}`).join(', ') || 'none'}\n`,
  );
  process.stdout.write(`${renderSoakTable(counts)}\n`);
  const problems = soakFailures(counts);
  if (problems.length > 0) {
    const report = join(dataDir, 'soak-report.json');
    const lost = finalCopies.filter((copy) => !TERMINAL_STATUSES.has(copy.status)).map((copy) => copy.id);
    const details = {
      problems,
      lostCopies: lost,
      unhonouredCancels: unhonouredCancels(observations),
      cancels,
    };
    writeFileSync(report, `${JSON.stringify(details, null, 2)}\n`);
    process.stdout.write(`FAIL: ${problems.join(', ')} (state and soak-report.json kept in ${dataDir})\n`);
    return 1;
  }
  process.stdout.write('PASS: nothing lost\n');
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: SoakOptions;
  try {
    const parsed = parseSoakArgs(argv);
    if (parsed.kind === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    options = parsed.options;
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    process.stderr.write(`npm run soak: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  let dataDir: string;
  if (options.dataDir === undefined) {
    dataDir = mkdtempSync(join(tmpdir(), 'rpcopy-soak-'));
  } else {
    dataDir = resolve(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    if (readdirSync(dataDir).length > 0) {
      process.stderr.write(`npm run soak: ${dataDir} is not empty; a soak starts from a fresh stack\n`);
      return 2;
    }
  }
  const code = await soak(options, dataDir);
  if (code === 0 && !options.keep) {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return code;
}

if (require.main === module) {
  runScript('soak', main);
}
