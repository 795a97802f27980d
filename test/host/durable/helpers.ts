import path from 'node:path';

import { VirtualClock } from '../../../dev/clock';
import type {
  FunctionInvoker,
  HistoryEvent,
  OrchestrationTriggerPayload,
  RuntimeStatus,
} from '../../../dev/host/contract';
import {
  createDurableEngine,
  type DevDurableEngine,
  type DurableEngineOptions,
} from '../../../dev/host/durable';
import { loadFunctionApp, type LoadedApp } from '../../../dev/host/worker';

export const FIXTURE_START = Date.UTC(2025, 0, 1);
export const DAY = 86_400_000;

export function appDir(name: string): string {
  return path.join(__dirname, 'apps', name);
}

export function loadApp(name: string): Promise<LoadedApp> {
  return loadFunctionApp({ appDir: appDir(name), log: () => undefined });
}

export interface TestHooks {
  gate?: (name: string, input: unknown) => Promise<void>;
  [key: string]: unknown;
}

export function setHooks(hooks: TestHooks | undefined): void {
  (globalThis as { __durableTestHooks?: TestHooks }).__durableTestHooks = hooks;
}

/** Closed gates that activities wait on, released by the test in a chosen order. */
export class Gates {
  private readonly waiting = new Map<string, () => void>();
  private readonly arrived = new Set<string>();
  private readonly open = new Set<string>();

  constructor(private readonly keys: string[]) {}

  readonly gate = async (name: string, input: unknown): Promise<void> => {
    const key = `${name}:${String(input)}`;
    if (!this.keys.includes(key) || this.open.has(key)) return;
    this.arrived.add(key);
    await new Promise<void>((resolve) => this.waiting.set(key, resolve));
  };

  /** Waits (in real time, the virtual clock is held by the gated work) until every key has arrived. */
  async allArrived(keys: string[] = this.keys): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!keys.every((key) => this.arrived.has(key))) {
      if (Date.now() > deadline)
        throw new Error(`Gates never reached: ${keys.filter((k) => !this.arrived.has(k)).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  /** Releases the given gates synchronously, in order. */
  release(...keys: string[]): void {
    for (const key of keys) {
      this.open.add(key);
      this.waiting.get(key)?.();
    }
  }
}

export interface RecordedInvocation {
  name: string;
  payload: OrchestrationTriggerPayload;
}

/** Activity invocations that have returned, by `name:input`. */
export const finishedActivities: string[] = [];

/** The real invoker, with each orchestrator payload recorded on the way through. */
export function recordingInvoker(inner: FunctionInvoker, recorded: RecordedInvocation[]): FunctionInvoker {
  return {
    hasFunction: (name, kind) => inner.hasFunction(name, kind),
    invokeOrchestrator: (name, payload) => {
      recorded.push({ name, payload: structuredClone(payload) });
      return inner.invokeOrchestrator(name, payload);
    },
    invokeActivity: async (name, input) => {
      const result = await inner.invokeActivity(name, input);
      finishedActivities.push(`${name}:${input === undefined ? 'undefined' : String(JSON.parse(input))}`);
      return result;
    },
  };
}

/** Waits (real time) until the activity invocation has returned and its completion has been stored. */
export async function activityFinished(key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!finishedActivities.includes(key)) {
    if (Date.now() > deadline) throw new Error(`Activity ${key} never finished`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await new Promise((resolve) => setImmediate(resolve));
}

export interface Harness {
  clock: VirtualClock;
  engine: DevDurableEngine;
  logs: { level: string; message: string }[];
  waitFor(instanceId: string, statuses: RuntimeStatus[], maxDays?: number): Promise<void>;
}

export async function startEngine(
  invoker: FunctionInvoker,
  options: Partial<DurableEngineOptions> = {},
  start = FIXTURE_START,
): Promise<Harness> {
  const clock = new VirtualClock(start);
  const logs: { level: string; message: string }[] = [];
  const engine = createDurableEngine({
    clock,
    invoker,
    logger: (level, message) => logs.push({ level, message }),
    ...options,
  });
  await engine.start();
  return {
    clock,
    engine,
    logs,
    async waitFor(instanceId, statuses, maxDays = 30) {
      await clock.runUntil(
        async () => {
          await engine.whenIdle();
          const status = await engine.getStatus(instanceId);
          return status !== undefined && statuses.includes(status.runtimeStatus);
        },
        { maxTime: clock.now() + maxDays * DAY },
      );
    },
  };
}

/**
 * What must match between a host-generated history and a fixture history: event order, types, IDs,
 * names, results, and each timer's delay from the OrchestratorStarted of the episode that created it.
 * Timestamps are left out: the fixtures space episodes by arbitrary seconds.
 */
export function projectHistory(history: HistoryEvent[]): Record<string, unknown>[] {
  let episodeStart = 0;
  return history.map((event) => {
    if (event.EventType === 12) episodeStart = Date.parse(event.Timestamp);
    const projected: Record<string, unknown> = { EventType: event.EventType, EventId: event.EventId };
    for (const field of ['TaskScheduledId', 'TimerId', 'Name', 'InstanceId']) {
      if (field in event) projected[field] = event[field];
    }
    if (event.EventType === 10) projected.delayMs = Date.parse(String(event.FireAt)) - episodeStart;
    if (event.EventType === 5 || event.EventType === 8) projected.Result = event.Result;
    if (event.EventType === 0 || event.EventType === 15) projected.Input = event.Input;
    return projected;
  });
}
