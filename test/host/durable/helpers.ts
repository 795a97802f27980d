import path from 'node:path';

import { afterAll, afterEach, beforeAll } from 'vitest';

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
    if (!this.keys.includes(key) || this.open.has(key)) {
      return;
    }
    this.arrived.add(key);
    await new Promise<void>((resolve) => this.waiting.set(key, resolve));
  };

  /** Waits (in real time, the virtual clock is held by the gated work) until every key has arrived. */
  async allArrived(keys: string[] = this.keys): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!keys.every((key) => this.arrived.has(key))) {
      if (Date.now() > deadline) {
        throw new Error(`Gates never reached: ${keys.filter((k) => !this.arrived.has(k)).join(', ')}`);
      }
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
    invokeEntity: (name, request) => inner.invokeEntity(name, request),
  };
}

/** Waits (real time) until the activity invocation has returned and its completion has been stored. */
export async function activityFinished(key: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!finishedActivities.includes(key)) {
    if (Date.now() > deadline) {
      throw new Error(`Activity ${key} never finished`);
    }
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
    if (event.EventType === 12) {
      episodeStart = Date.parse(event.Timestamp);
    }
    const projected: Record<string, unknown> = { EventType: event.EventType, EventId: event.EventId };
    for (const field of ['TaskScheduledId', 'TimerId', 'Name', 'InstanceId']) {
      if (field in event) {
        projected[field] = event[field];
      }
    }
    if (event.EventType === 10) {
      projected.delayMs = Date.parse(String(event.FireAt)) - episodeStart;
    }
    if (event.EventType === 5 || event.EventType === 8) {
      projected.Result = event.Result;
    }
    if (event.EventType === 0 || event.EventType === 15) {
      projected.Input = event.Input;
    }
    return projected;
  });
}

/** [EventType, EventId, name or timer delay from FIXTURE_START] of every scheduling event, in history order. */
export function scheduled(history: HistoryEvent[] | undefined): [number, number, unknown][] {
  return (history ?? [])
    .filter((e) => e.EventType === 4 || e.EventType === 7 || e.EventType === 10)
    .map((e) => [
      e.EventType,
      e.EventId,
      e.EventType === 10 ? Date.parse(String(e.FireAt)) - FIXTURE_START : e.Name,
    ]);
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Waits in real time (gated work holds the virtual clock) until the condition holds. */
export async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not reached within 10 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await nextTurn();
}

/** Lets due work run without moving the virtual clock. */
export async function settled(h: Harness): Promise<void> {
  await h.clock.settle();
  await h.engine.whenIdle();
}

export interface ScenarioApp {
  /** The loaded app (available inside tests). */
  readonly app: LoadedApp;
  /** A fresh engine on a new virtual clock at FIXTURE_START; stopped after the test. */
  engine(options?: Partial<DurableEngineOptions>): Promise<Harness>;
}

/**
 * Loads the sample app `apps/<name>` once for the test file and gives each test a fresh engine on it,
 * with test hooks and recorded activities reset between tests. One app per file: vitest runs each test
 * file in its own process.
 */
export function useScenarioApp(name: string): ScenarioApp {
  let app: LoadedApp | undefined;
  let harness: Harness | undefined;
  beforeAll(async () => {
    app = await loadApp(name);
  });
  afterEach(async () => {
    setHooks(undefined);
    await harness?.engine.stop();
    harness = undefined;
  });
  afterAll(() => setHooks(undefined));
  const loaded = (): LoadedApp => {
    if (app === undefined) {
      throw new Error(`The sample app '${name}' is used before beforeAll loaded it`);
    }
    return app;
  };
  return {
    get app() {
      return loaded();
    },
    async engine(options = {}) {
      finishedActivities.length = 0;
      harness = await startEngine(recordingInvoker(loaded().invoker, []), options);
      return harness;
    },
  };
}
