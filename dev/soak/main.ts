import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { seededRandom } from '../compute-sim/faultPlan';
import { seedDemo } from '../stack/seed';
import { repositoryRoot } from '../stack/stack';
import { parseSoakArgs, USAGE, UsageError, type SoakOptions } from './args';
import { startEventRelay, type EventRelay } from './eventRelay';
import { SOAK_FAULT_RATES, soakFaultPlan } from './soakFaults';
import {
  REGIONS,
  StackHandle,
  cancelCopy,
  collectionName,
  createRestorePoint,
  listCopies,
  persistently,
  planFor,
  readTargets,
  restorePointName,
  sinkEvents,
  sleep,
  type Copy,
} from './soakStack';
import { startStackProcess, type StackProcessOptions } from './stackProcess';
import {
  countSoak,
  renderSoakTable,
  soakFailures,
  TERMINAL_STATUSES,
  unhonouredCancels,
  type ObservedCancel,
} from './verdict';
import { runScript } from '../runScript';

/**
 * `npm run soak`: the local stack under faults, restarts and cancels, then one table of what was lost.
 * Everything random comes from one seeded generator, so a run can be repeated with `--seed`.
 */

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
