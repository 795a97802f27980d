/**
 * `npm run conformance:real-durable`: runs every scenario on the real Durable extension (WebJobs SDK host,
 * Azure Storage provider on Azurite), writes the recordings under test/fixtures/real-durable/, replays each
 * on the dev host and prints whether the two are identical after normalisation.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { RealClock } from '../../dev/clock';
import { durableClientFromPayload, loadFunctionApp } from '../../dev/host';
import type { DurableClientPayload } from '../../dev/host/worker';
import { startNodeBridge, type CallReply } from './bridge';
import { diffRecordings, recordScenario } from './driveScenario';
import { replayOnDevHost } from './devHostReplay';
import { withProcessEnvironmentRestored } from './appEnvironment';
import { REPO_ROOT } from './repoRoot';
import { StartFailure, buildHarness, hasDotnet, startAzurite, startHarness } from './realEngine';
import { withoutKnownDifferences } from './knownDifferences';
import { InvocationLog, type Recording } from './recording';
import { TERMINAL, type Scenario, type ScenarioClock } from './scenario';
import { SCENARIOS } from './scenarios';
import { generateStubClass, generateStubsFile, stubClassName, CLIENT_FUNCTION } from './stubs';

/** The services' clock on the real engine: orchestration time is wall-clock time there. */
const WALL_CLOCK: ScenarioClock = Object.assign(new RealClock(), {
  advanceBy: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(ms, 200))),
});

export const RECORDINGS_DIR = path.join(REPO_ROOT, 'test/fixtures/real-durable');

const verbose = process.env.CONFORMANCE_VERBOSE === '1';
const log = (line: string): void => {
  if (verbose) {
    console.error(line);
  }
};

async function appFunctions(app: string): Promise<string> {
  const loaded = await loadFunctionApp({ appDir: path.join(REPO_ROOT, app), log: () => undefined });
  await loaded.terminate();
  return generateStubClass(app, loaded.registry.values());
}

async function runOnRealEngine(scenario: Scenario, dll: string): Promise<Recording> {
  const invocationLog = new InvocationLog();
  const appDir = path.join(REPO_ROOT, scenario.app);
  const environment = await scenario.environment?.(WALL_CLOCK);
  const app = await loadFunctionApp({
    appDir,
    onInvocation: invocationLog.observe,
    log: (entry) => log(`app: ${entry.message}`),
    settings: { ...scenario.settings, ...environment?.settings },
  });
  const bridge = await startNodeBridge(app);
  const azurite = await startAzurite(log);
  const hostJson = path.join(appDir, 'host.json');
  const closeAllButHarness = async (): Promise<void> => {
    await environment?.close();
    await azurite.close();
    await bridge.close();
    await app.terminate();
  };
  const harness = await startHarness({
    dll,
    appClass: stubClassName(scenario.app),
    hostJson,
    bridgeUrl: bridge.url,
    connectionString: azurite.connectionString,
    settings: {
      ...scenario.settings,
      ...(scenario.shortTimers
        ? {
            HARNESS_MAX_TIMER_SECONDS: String(scenario.shortTimers.maxShortTimerSeconds),
            HARNESS_LONG_TIMER_INTERVAL_SECONDS: String(scenario.shortTimers.longTimerIntervalSeconds),
          }
        : {}),
    },
    log,
  }).catch(async (error: unknown) => {
    await closeAllButHarness();
    throw error;
  });
  try {
    const payload = (await harness.call(CLIENT_FUNCTION, { data: null })) as DurableClientPayload;
    if (payload.rpcBaseUrl === undefined) {
      throw new Error('The extension gave no rpcBaseUrl');
    }
    const rpcBaseUrl = payload.rpcBaseUrl;
    const client = durableClientFromPayload(payload);
    return await recordScenario(
      scenario,
      {
        label: 'real',
        clientPayload: payload,
        driver: {
          client,
          environment,
          rpcBaseUrl,
          waitFor: async (id, statuses = TERMINAL) => {
            const deadline = Date.now() + 180_000;
            for (;;) {
              const status = await client.getStatus(id);
              if (statuses.includes(status.runtimeStatus)) {
                return;
              }
              if (Date.now() > deadline) {
                throw new Error(`${id} is still ${status.runtimeStatus}`);
              }
              await new Promise((resolve) => setTimeout(resolve, 250));
            }
          },
        },
        call: async (functionName, triggerData) =>
          (await harness.call(functionName, { data: triggerData })) as CallReply,
        statusJson: async (id) => {
          const response = await fetch(
            `${rpcBaseUrl}instances/${encodeURIComponent(id)}?showHistory=true&showHistoryOutput=true&showInput=true`,
          );
          return { httpStatus: response.status, body: await response.json() };
        },
        events: () => environment?.events() ?? [],
      },
      invocationLog,
    );
  } finally {
    await harness.close();
    await closeAllButHarness();
  }
}

/**
 * Scenarios run in separate processes when there are several (`CONFORMANCE_JOBS`, default 3: most of a scenario's time is spent waiting on timers): an app loads
 * into its process's environment and module cache, so two apps cannot share one process. Each child gets the
 * harness already built and runs one scenario.
 */
async function runInChildren(names: string[], dll: string, jobs: number): Promise<number> {
  const queue = [...names];
  let failed = 0;
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const child = spawn(process.execPath, [__filename, name], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, CONFORMANCE_HARNESS_DLL: dll },
      });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      // Printed whole, so that the lines of concurrent scenarios do not interleave.
      process.stdout.write(Buffer.concat(chunks).toString('utf8'));
      if (code !== 0) {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, names.length) }, worker));
  return failed === 0 ? 0 : 1;
}

async function main(): Promise<number> {
  if (!hasDotnet()) {
    console.error(
      'conformance:real-durable needs the .NET SDK (dotnet on PATH) to host the real Durable extension; none was found. The committed recordings are unchanged.',
    );
    return 1;
  }
  const only = process.argv.slice(2);
  const unknown = only.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(
      `No such scenario: ${unknown.join(', ')}. Scenarios: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
    return 1;
  }
  const scenarios = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  const started = Date.now();
  let dll = process.env.CONFORMANCE_HARNESS_DLL;
  // A child of a parallel run: the parent reports the total time.
  const isChild = dll !== undefined;
  if (dll === undefined) {
    const apps = [...new Set(SCENARIOS.map((s) => s.app))];
    const classes: string[] = [];
    for (const app of apps) {
      classes.push(await appFunctions(app));
    }
    dll = buildHarness(generateStubsFile(classes), console.error);
    console.log(`harness built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  fs.mkdirSync(RECORDINGS_DIR, { recursive: true });
  const jobs = Number(process.env.CONFORMANCE_JOBS ?? '3');
  if (scenarios.length > 1 && jobs > 1) {
    const code = await runInChildren(
      scenarios.map((s) => s.name),
      dll,
      jobs,
    );
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return code;
  }
  let failures = 0;
  let differing = 0;
  for (const scenario of scenarios) {
    const at = Date.now();
    let recording: Recording;
    try {
      recording = await withProcessEnvironmentRestored(() => runOnRealEngine(scenario, dll)).catch(
        (error: unknown) => {
          if (!(error instanceof StartFailure)) {
            throw error;
          }
          console.log(`${scenario.name}: retrying once: ${error.message.split('\n')[0] ?? ''}`);
          return withProcessEnvironmentRestored(() => runOnRealEngine(scenario, dll));
        },
      );
    } catch (error) {
      failures++;
      console.log(`${scenario.name}: FAILED on the real engine: ${(error as Error).stack ?? String(error)}`);
      continue;
    }
    fs.writeFileSync(
      path.join(RECORDINGS_DIR, `${scenario.name}.json`),
      `${JSON.stringify(recording, null, 2)}\n`,
    );
    let replayed: Recording;
    try {
      replayed = await replayOnDevHost(scenario);
    } catch (error) {
      differing++;
      console.log(`${scenario.name}: FAILED on the dev host: ${(error as Error).stack ?? String(error)}`);
      continue;
    }
    const differences = diffRecordings(withoutKnownDifferences(recording), withoutKnownDifferences(replayed));
    const seconds = ((Date.now() - at) / 1000).toFixed(1);
    if (differences.length === 0) {
      console.log(
        `${scenario.name}: identical after normalisation, apart from the listed known differences (${seconds} s)`,
      );
    } else {
      differing++;
      console.log(`${scenario.name}: ${differences.length} differences (real → dev host) (${seconds} s)`);
      for (const line of differences) {
        console.log(`  ${line}`);
      }
    }
  }
  if (!isChild) {
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  // A difference is a dev host bug (or a new known difference to list), so CI fails on it.
  return failures === 0 && differing === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
