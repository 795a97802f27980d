import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { VirtualClock } from '../dev/clock';
import type { FunctionInvoker } from '../dev/host/contract';
import { createDurableEngine } from '../dev/host/durable';
import { loadFunctionApp } from '../dev/host/worker';

/**
 * What the dev host costs on top of durable-functions' own replay: a monitor orchestration polling hourly
 * for 14 virtual days runs on the engine, and the time spent inside the SDK (orchestrator and activity
 * invocations through the real pipeline) is measured in the same run as the baseline.
 */
export interface HostOverheadResult {
  virtualDays: number;
  timers: number;
  episodes: number;
  wallMs: number;
  sdkMs: number;
  maxHistoryEvents: number;
}

export async function measureHostOverhead(): Promise<HostOverheadResult> {
  const app = await loadFunctionApp({
    appDir: path.join(__dirname, '..', '..', 'bench', 'apps', 'monitor'),
    log: () => undefined,
  });
  let sdkMs = 0;
  let episodes = 0;
  const timed = <T>(work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    return work().finally(() => {
      sdkMs += performance.now() - started;
    });
  };
  const invoker: FunctionInvoker = {
    hasFunction: (name, kind) => app.invoker.hasFunction(name, kind),
    invokeOrchestrator: (name, payload) => {
      episodes++;
      return timed(() => app.invoker.invokeOrchestrator(name, payload));
    },
    invokeActivity: (name, input) => timed(() => app.invoker.invokeActivity(name, input)),
    invokeEntity: (name, request) => timed(() => app.invoker.invokeEntity(name, request)),
  };
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  const engine = createDurableEngine({ clock, invoker, logger: () => undefined });
  await engine.start();
  const polls = 14 * 24;
  const started = performance.now();
  const id = await engine.startNew('monitor', {
    instanceId: 'bench-monitor',
    input: { polls, perGeneration: 20, intervalMs: 3_600_000, done: 0 },
  });
  let maxHistoryEvents = 0;
  await clock.runUntil(async () => {
    maxHistoryEvents = Math.max(maxHistoryEvents, engine.getHistory(id)?.length ?? 0);
    return (await engine.getStatus(id))?.runtimeStatus === 'Completed';
  });
  const wallMs = performance.now() - started;
  const status = await engine.getStatus(id);
  await engine.stop();
  if (status?.output !== polls) {
    throw new Error(`monitor ended with ${JSON.stringify(status)}`);
  }
  return {
    virtualDays: (clock.now() - Date.UTC(2026, 0, 1)) / 86_400_000,
    timers: polls,
    episodes,
    wallMs,
    sdkMs,
    maxHistoryEvents,
  };
}
