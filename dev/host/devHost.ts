import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import * as df from 'durable-functions';

import { RealClock, VirtualClock, type Clock } from '../clock';
import type { DurableEngine, FunctionInvoker, InstanceStatus, RuntimeStatus } from './contract';
import { createDurableEngine, type DurableEngineOptions } from './durable';
import { loadHostKeys, type HostKeys } from './http/hostKeys';
import { HostServer, type RequestLogEntry } from './http/hostServer';
import { ManagementApi } from './http/managementApi';
import { TimerTriggers } from './timers/timerTriggers';
import {
  buildDurableClientPayload,
  consoleLogSink,
  loadFunctionApp,
  type DurableClientPayload,
  type HostJsonSettings,
  type InvocationObserver,
  type LoadedApp,
  type LogSink,
} from './worker';

export interface EngineFactoryContext {
  invoker: FunctionInvoker;
  clock: Clock;
  /** Directory the engine keeps its store in (created). */
  dataDir: string;
  hostJson: HostJsonSettings;
  log: LogSink;
}

export type EngineFactory = (context: EngineFactoryContext) => DurableEngine | Promise<DurableEngine>;

export interface DevHostOptions {
  appDir: string;
  /** @default a RealClock at speed 1 */
  clock?: Clock;
  /** Port on 127.0.0.1; 0 picks a free one. @default 0 */
  port?: number;
  /** Where state (instances, keys, timer status) lives. @default a temporary directory removed on close */
  dataDir?: string;
  /** App settings, applied over local.settings.json and the environment. */
  settings?: Record<string, string>;
  keys?: { master?: string; function?: string };
  /** Where function and host logs go. @default console, information and above */
  log?: LogSink;
  /**
   * With a VirtualClock: jump to the next due timer whenever the host is idle (`clock.startAuto()`).
   * Off by default in-process so a test decides when time moves; `waitForInstance` drives it either way.
   */
  autoAdvance?: boolean;
  /**
   * `legacy`: clients get `managementUrls` on this origin, authenticated with the durabletask system key.
   * `rpc`: clients also get an `rpcBaseUrl` on a second loopback listener, as the extension's local RPC
   * endpoint, which the real extension turns on for Node apps and durable-functions then uses for every call.
   * @default 'rpc'
   */
  durableClientMode?: 'legacy' | 'rpc';
  /** Told about every function invocation once it has settled (the conformance replay records them). */
  onInvocation?: InvocationObserver;
  /** Told about every finished HTTP request (for logs and for tests that check the wire). */
  onRequest?: (entry: RequestLogEntry) => void;
  /** Builds the Durable engine; the default is `createDurableEngine` from dev/host/durable. */
  engineFactory?: EngineFactory;
}

export interface WaitForInstanceOptions {
  /** @default the terminal statuses: Completed, Failed, Terminated, Canceled */
  statuses?: RuntimeStatus[];
  /** Real-clock hosts: give up after this many real milliseconds. @default 60000 */
  timeoutMs?: number;
  /** Virtual-clock hosts: give up rather than advance the clock past this time. @default now + 30 days */
  maxTime?: number;
}

export interface DevHost {
  baseUrl: string;
  masterKey: string;
  functionKey: string;
  eventGridKey: string;
  /** The `durabletask_extension` system key, for calling the management API by hand. */
  durableTaskKey: string;
  clock: Clock;
  engine: DurableEngine;
  app: LoadedApp;
  dataDir: string;
  /** The `durableClient` binding payload this host hands to functions. */
  durableClientPayload(): DurableClientPayload;
  /** The package's real DurableClient, built by df.getClient from the same binding payload. */
  getClient(): df.DurableClient;
  /** Runs a timer-triggered function now; rejects if it throws. */
  fireTimer(name: string): Promise<void>;
  /** Resolves with the status once the instance reaches one of `statuses`, driving a virtual clock. */
  waitForInstance(id: string, opts?: WaitForInstanceOptions): Promise<InstanceStatus>;
  /** URLs of the HTTP functions, as `func start` prints them. */
  httpRoutes(): { name: string; methods: string[]; url: string; authLevel: string }[];
  close(): Promise<void>;
}

const TERMINAL_STATUSES: RuntimeStatus[] = ['Completed', 'Failed', 'Terminated', 'Canceled'];

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    // Keep-alive connections (axios, fetch) would otherwise hold close() open.
    server.closeAllConnections();
  });
}

function positiveInt(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/** The default engine with some options fixed, e.g. shortened timer limits as the extension's own tests use. */
export function engineFactoryWith(overrides: Partial<DurableEngineOptions>): EngineFactory {
  return (context) => createConfiguredEngine(context, overrides);
}

/** The durable engine, configured from host.json `extensions.durableTask` as the extension reads it. */
const defaultEngineFactory: EngineFactory = (context) => createConfiguredEngine(context, {});

const createConfiguredEngine = (
  { invoker, clock, dataDir, hostJson, log }: EngineFactoryContext,
  overrides: Partial<DurableEngineOptions>,
): DurableEngine => {
  const durableTask = hostJson.durableTask;
  const options: DurableEngineOptions = {
    clock,
    invoker,
    dataDir,
    taskHub: hostJson.hubName,
    logger: (level, message) =>
      log({
        level: level === 'warn' ? 'warning' : level === 'info' ? 'information' : level,
        category: 'system',
        message: `[durable] ${message}`,
      }),
  };
  const activities = positiveInt(durableTask.maxConcurrentActivityFunctions);
  const orchestrations = positiveInt(durableTask.maxConcurrentOrchestratorFunctions);
  if (activities !== undefined) {
    options.maxConcurrentActivities = activities;
  }
  if (orchestrations !== undefined) {
    options.maxConcurrentOrchestrations = orchestrations;
  }
  if (durableTask.storeInputsInOrchestrationHistory === true) {
    options.storeInputsInHistory = true;
  }
  return createDurableEngine({ ...options, ...overrides });
};

/** The package's real DurableClient for a `durableClient` binding payload, from this host or another. */
export function durableClientFromPayload(payload: DurableClientPayload): df.DurableClient {
  return df.getClient(clientContext(payload));
}

/** A minimal invocation context that df.getClient accepts, carrying the host's binding payload. */
function clientContext(payload: DurableClientPayload): Parameters<typeof df.getClient>[0] {
  const binding = { type: 'durableClient', name: 'devHostClient' };
  const context = {
    options: { extraInputs: [binding] },
    extraInputs: { get: (input: unknown) => (input === binding ? payload : undefined) },
  };
  return context as unknown as Parameters<typeof df.getClient>[0];
}

/**
 * Starts the dev host on an app directory: loads the app, starts the Durable engine, the timers and
 * the HTTP front door on 127.0.0.1.
 */
export async function startDevHost(options: DevHostOptions): Promise<DevHost> {
  const clock = options.clock ?? new RealClock();
  const log = options.log ?? consoleLogSink;
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rpcopy-devhost-'));
  fs.mkdirSync(dataDir, { recursive: true });
  const explicitKeys: Partial<HostKeys> = {};
  if (options.keys?.master !== undefined) {
    explicitKeys.master = options.keys.master;
  }
  if (options.keys?.function !== undefined) {
    explicitKeys.function = options.keys.function;
  }
  const keys = loadHostKeys(dataDir, explicitKeys);

  let hostServer: HostServer | undefined;
  const notReady = (res: http.ServerResponse): void => {
    // Requests that race the app load are told to come back, as the real host does while starting.
    res.writeHead(503, { 'retry-after': '1', 'content-length': 0 });
    res.end();
  };
  const server = http.createServer((req, res) => {
    if (hostServer) {
      hostServer.listener(req, res);
    } else {
      notReady(res);
    }
  });
  const rpcServer =
    (options.durableClientMode ?? 'rpc') === 'rpc'
      ? http.createServer((req, res) => {
          if (hostServer) {
            hostServer.rpcListener(req, res);
          } else {
            notReady(res);
          }
        })
      : undefined;
  // Shutdown order matters more than start order: stop time and the front door first, so nothing new
  // reaches the engine while it stops; remove the data directory last.
  const cleanups: { order: number; step: () => Promise<void> | void }[] = [];
  const onClose = (order: number, step: () => Promise<void> | void): void => {
    cleanups.push({ order, step });
  };
  const cleanup = async (): Promise<void> => {
    const steps = cleanups.splice(0).sort((a, b) => a.order - b.order);
    let failure: unknown;
    for (const { step } of steps) {
      try {
        await step();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) {
      throw failure instanceof Error
        ? failure
        : new Error('Stopping the dev host failed', { cause: failure });
    }
  };

  try {
    onClose(1, () => closeServer(server));
    const port = await listen(server, options.port ?? 0);
    const origin = `http://127.0.0.1:${port}`;
    let rpcBaseUrl: string | undefined;
    if (rpcServer) {
      onClose(1, () => closeServer(rpcServer));
      const rpcPort = await listen(rpcServer, 0);
      rpcBaseUrl = `http://127.0.0.1:${rpcPort}/durabletask/`;
    }
    if (ownsDataDir) {
      onClose(9, () => fs.rmSync(dataDir, { recursive: true, force: true }));
    }

    let taskHubName = 'TestHubName';
    const payload = (): DurableClientPayload =>
      buildDurableClientPayload({
        origin,
        taskHubName,
        key: keys.durableTask,
        ...(rpcBaseUrl === undefined ? {} : { rpcBaseUrl }),
      });

    const app = await loadFunctionApp({
      appDir: options.appDir,
      websiteHostname: `127.0.0.1:${port}`,
      durableClientPayload: payload,
      log,
      ...(options.settings ? { settings: options.settings } : {}),
      ...(options.onInvocation ? { onInvocation: options.onInvocation } : {}),
    });
    taskHubName = app.hostJson.hubName;
    onClose(4, () => app.terminate());

    const engine = await (options.engineFactory ?? defaultEngineFactory)({
      invoker: app.invoker,
      clock,
      dataDir,
      hostJson: app.hostJson,
      log,
    });
    await engine.start();
    onClose(3, () => engine.stop());

    const timers = new TimerTriggers({ app, clock, log, dataDir });
    onClose(2, async () => {
      timers.stop();
      await timers.idle();
    });
    const management = new ManagementApi({
      engine,
      invoker: app.invoker,
      clock,
      origin: () => origin,
      taskHubName,
      durableTaskKey: keys.durableTask,
    });
    hostServer = new HostServer({
      app,
      keys,
      clock,
      log,
      management,
      timers,
      origin: () => origin,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    });
    const routes = hostServer;
    timers.start();

    if (options.autoAdvance === true && clock instanceof VirtualClock) {
      clock.startAuto();
      onClose(0, () => clock.stopAuto());
    }

    let closed: Promise<void> | undefined;
    const host: DevHost = {
      baseUrl: origin,
      masterKey: keys.master,
      functionKey: keys.function,
      eventGridKey: keys.eventGrid,
      durableTaskKey: keys.durableTask,
      clock,
      engine,
      app,
      dataDir,
      durableClientPayload: payload,
      getClient: () => durableClientFromPayload(payload()),
      fireTimer: (name) => timers.fire(name),
      waitForInstance: (id, opts) => waitForInstance(engine, clock, id, opts),
      httpRoutes: () => routes.describeRoutes(),
      close: () => (closed ??= cleanup()),
    };
    return host;
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function waitForInstance(
  engine: DurableEngine,
  clock: Clock,
  id: string,
  opts: WaitForInstanceOptions = {},
): Promise<InstanceStatus> {
  const statuses = new Set(opts.statuses ?? TERMINAL_STATUSES);
  const describe = (status: InstanceStatus | undefined): string =>
    status ? `is ${status.runtimeStatus}` : 'does not exist';
  if (clock instanceof VirtualClock) {
    const maxTime = opts.maxTime ?? clock.now() + 30 * 24 * 3_600_000;
    for (;;) {
      await engine.whenIdle();
      await clock.settle();
      const status = await engine.getStatus(id, { showInput: true });
      if (status && statuses.has(status.runtimeStatus)) {
        return status;
      }
      const next = clock.nextDueAt();
      if (next === undefined) {
        throw new Error(
          `waitForInstance: instance '${id}' ${describe(status)} and nothing is scheduled at ${new Date(clock.now()).toISOString()}`,
        );
      }
      if (next > maxTime) {
        throw new Error(
          `waitForInstance: instance '${id}' ${describe(status)} at ${new Date(maxTime).toISOString()}`,
        );
      }
      await clock.advanceTo(next);
    }
  }
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    const status = await engine.getStatus(id, { showInput: true });
    if (status && statuses.has(status.runtimeStatus)) {
      return status;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `waitForInstance: instance '${id}' ${describe(status)} after ${opts.timeoutMs ?? 60_000} ms`,
      );
    }
    // Real time: poll, as a client would.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
