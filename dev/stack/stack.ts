// Long (~540 lines) for now: startStack starts the simulator, dev host and app in order and unwinds them on
// failure, and the rest are its data-directory files (lock, state, ready file). The file helpers are the seam
// to split along (a stackFiles module) when this file next grows.
import type { ComputeManagementClient } from '@azure/arm-compute';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../clock';
import {
  readSavedClockTime,
  startComputeSimulator,
  type ComputeSimulator,
  type ComputeSimulatorOptions,
  type EventSchema,
} from '../compute-sim';
import { startDevHost, type DevHost, type DevHostOptions, type LogEntry, type LogSink } from '../host';
import { createComputeClient, createCredential, type ArmConnection } from '../../src/azure/computeClient';
import { packageName } from '../../src/cli/help';
import { startEventSink, type EventSink } from './eventSink';
import {
  createSourceRestorePoint,
  DEFAULT_DEMO_PLAN,
  demoIds,
  restorePointNameAt,
  seedDemo,
  type DemoPlan,
} from './seed';

/** `x-rpcopy-client` of the stack's own ARM requests (the simulator's request log `client`). */
export const DEV_STACK_CLIENT = 'dev-stack';
/**
 * The whole offline product in one process: the Compute simulator, the dev host running the app and an
 * Event Grid sink, on one clock, wired as Azure wires them, with a seeded demo. `main.ts` runs it on an
 * accelerated real clock; the end-to-end tests run it on a virtual one.
 */

/** What `--ready-file` receives: everything a script needs to drive the stack. */
export interface ReadyDocument {
  appUrl: string;
  functionKey: string;
  armEndpoint: string;
  caCertificatePath?: string;
  eventSinkUrl: string;
  /** The sink's topic key: `GET ${eventSinkUrl}/events` needs it in the `aeg-sas-key` header. */
  eventSinkKey: string;
  subscriptionId: string;
  sourceCollectionId: string;
}

export type SimulatorTuning = Omit<ComputeSimulatorOptions, 'clock' | 'port' | 'tls' | 'stateFile'>;

export interface StackOptions {
  clock: Clock;
  /** Every piece keeps its state here; starting again on it resumes. Created when missing. */
  dataDir: string;
  /** The Functions app to run. @default the repository root (compiled app in dist/) */
  appDir?: string;
  /**
   * Port of the app's HTTP front door. 0 picks a free one. A restart reuses the previous port, because the
   * simulator keeps the webhook URL it delivers events to. @default 7071, or a free port if it is taken
   */
  port?: number;
  simulator?: SimulatorTuning;
  /** How the simulator delivers ARM events to the app. */
  events?: {
    /** @default 'EventGrid' (what a subscription's system topic sends) */
    schema?: EventSchema;
    /** Send every event twice, as Azure sometimes does. @default false */
    duplicate?: boolean;
    /** Register the app's webhook with the simulator on the first start. @default true */
    subscribe?: boolean;
    /**
     * Where the simulator delivers instead of the app's webhook, e.g. a relay that forwards to it (the soak
     * drops and repeats events there). Registered on the first start only, like the webhook.
     */
    url?: string;
  };
  plan?: DemoPlan;
  /**
   * Simulated milliseconds between two new source restore points; the first is created right after
   * seeding. 0 or undefined: none are created automatically.
   */
  restorePointIntervalMs?: number;
  /** App settings over local.settings.json and the runtime endpoints the stack sets. */
  settings?: Record<string, string>;
  /** Real milliseconds between two polls of the stack's own ARM operations. @default 1000 */
  armPollIntervalMs?: number;
  /** Host and app logs. @default appended to `<dataDir>/host.log` */
  log?: LogSink;
  /** Dev host options the stack does not decide itself. */
  host?: Pick<DevHostOptions, 'engineFactory' | 'durableClientMode' | 'onRequest'>;
  /** Problems the stack itself meets (e.g. a failed scheduled restore point). @default ignored */
  onNotice?: (message: string) => void;
}

export interface Stack {
  readonly clock: Clock;
  readonly simulator: ComputeSimulator;
  readonly host: DevHost;
  readonly sink: EventSink;
  /** A Compute client on the simulator, authenticated like the app's. */
  readonly compute: ComputeManagementClient;
  readonly plan: DemoPlan;
  readonly ready: ReadyDocument;
  /** True when the data directory held a seeded stack, which this start resumed. */
  readonly resumed: boolean;
  /** The app's Event Grid webhook, as registered with the simulator. */
  readonly webhookUrl: string;
  readonly dataDir: string;
  /** When the next scheduled source restore point is due, if a schedule runs. */
  nextRestorePointAt(): number | undefined;
  /** Creates a source restore point of the demo VM now; resolves with its id once ARM reports it done. */
  createSourceRestorePoint(name?: string): Promise<string>;
  /** Stops everything and saves the state; safe to call more than once. */
  close(): Promise<void>;
}

/** The marker that tells a restart what the first start already did. */
interface StackState {
  version: 1;
  subscriptionId: string;
  sourceCollectionId: string;
  /** Port the app's webhook was registered with. */
  appPort: number;
  /** Ports of the simulator and the sink, reused when free so printed URLs keep working. */
  simulatorPort?: number;
  sinkPort?: number;
  /** Sink topic key, so the app's configuration keeps working across restarts. */
  sinkKey?: string;
  /** False between registering the webhook and finishing the seed, so a crash there re-seeds only. */
  seeded: boolean;
  clockTime: number;
  nextRestorePointAt?: number;
}

export const STACK_FILES = {
  state: 'stack.json',
  simulator: 'simulator.json',
  host: 'host',
  events: 'events.jsonl',
  caCertificate: 'simulator-ca.pem',
  functionKey: 'function-key',
  eventSinkKey: 'event-sink-key',
  hostLog: 'host.log',
  lock: 'stack.pid',
} as const;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Makes sure no other stack runs on the data directory: two would overwrite each other's state. A lock left
 * by a killed stack (its process is gone) is taken over.
 *
 * @returns the release function.
 */
function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, STACK_FILES.lock);
  for (;;) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isRunning(holder)) {
        throw new Error(
          `another local stack (pid ${holder}) is running on ${dataDir}; stop it first (if none is, delete ${file})`,
          { cause: error },
        );
      }
      if (holder === process.pid) {
        throw new Error(`this process already runs a local stack on ${dataDir}; close it first`, {
          cause: error,
        });
      }
      rmSync(file, { force: true });
    }
  }
  return () => rmSync(file, { force: true });
}

/** The port `func start` uses, so `rpcopy`'s default URL reaches the local app. */
export const DEFAULT_APP_PORT = 7071;

/** Mode of every file that holds a key: owner-only, whatever the umask. */
export const SECRET_FILE_MODE = 0o600;

function writeFileAtomic(file: string, text: string, mode?: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, text, mode === undefined ? {} : { mode });
  // A temporary file left by a killed process keeps its old mode through writeFileSync.
  if (mode !== undefined) {
    chmodSync(temporary, mode);
  }
  renameSync(temporary, file);
}

function readStackState(dataDir: string): StackState | undefined {
  const file = join(dataDir, STACK_FILES.state);
  if (!existsSync(file)) {
    return undefined;
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<StackState>;
  if (
    parsed.version !== 1 ||
    typeof parsed.sourceCollectionId !== 'string' ||
    typeof parsed.appPort !== 'number'
  ) {
    throw new Error(`${file} is not a state file of this stack; remove ${dataDir} to start afresh`);
  }
  return parsed as StackState;
}

/**
 * The simulated time a restart resumes at: where the previous run stopped (the latest of what the stack
 * and the simulator saved), so copies continue where they were instead of jumping ahead.
 */
export function savedClockTime(dataDir: string): number | undefined {
  const times = [
    readStackState(dataDir)?.clockTime,
    readSavedClockTime(join(dataDir, STACK_FILES.simulator)),
  ].filter((time): time is number => typeof time === 'number' && Number.isFinite(time));
  return times.length > 0 ? Math.max(...times) : undefined;
}

/** The directory holding this project's package.json: the app the stack runs by default. */
export function repositoryRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
      if (pkg.name === packageName) {
        return dir;
      }
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`No ${packageName} package.json above ${from}`);
    }
    dir = parent;
  }
}

/**
 * The host log. The stack runs on a simulated clock, which the screen and the copies' times use, while a
 * person reads the log against the wall clock: each line carries both, labelled.
 */
export function fileLogSink(file: string, clock: Clock): LogSink {
  mkdirSync(dirname(file), { recursive: true });
  return (entry: LogEntry) => {
    if (entry.level === 'trace' || entry.level === 'none') {
      return;
    }
    const who = entry.functionName ? ` [${entry.functionName}]` : '';
    const times = `real ${new Date().toISOString()} simulated ${new Date(clock.now()).toISOString()}`;
    appendFileSync(file, `${times} ${entry.level}${who} ${entry.message}\n`);
  };
}

function isAddressInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

/** Starts on `port` when given, or on a free port when that one is taken (and falling back is allowed). */
async function onPreferredPort<T>(
  port: number | undefined,
  fallbackToFree: boolean,
  start: (port: number) => Promise<T>,
): Promise<T> {
  if (port === undefined) {
    return start(0);
  }
  try {
    return await start(port);
  } catch (error) {
    if (!fallbackToFree || !isAddressInUse(error)) {
      throw error;
    }
    return start(0);
  }
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const { clock } = options;
  const dataDir = resolve(options.dataDir);
  const dataDirExisted = existsSync(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const plan = options.plan ?? DEFAULT_DEMO_PLAN;
  const releaseLock = lockDataDir(dataDir);
  const notice = options.onNotice ?? ((): void => undefined);
  const cleanups: (() => Promise<void>)[] = [
    () => {
      releaseLock();
      return Promise.resolve();
    },
  ];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) {
      await step();
    }
  };

  let firstStart = false;
  try {
    const previous = readStackState(dataDir);
    firstStart = previous === undefined;
    const simulator = await onPreferredPort(previous?.simulatorPort, true, (port) =>
      startComputeSimulator({
        ...options.simulator,
        clock,
        port,
        stateFile: join(dataDir, STACK_FILES.simulator),
      }),
    );
    cleanups.push(() => simulator.close());
    const caCertificatePath = simulator.caCertificatePem
      ? join(dataDir, STACK_FILES.caCertificate)
      : undefined;
    if (caCertificatePath && simulator.caCertificatePem) {
      writeFileAtomic(caCertificatePath, simulator.caCertificatePem);
    }

    const sink = await onPreferredPort(previous?.sinkPort, true, (port) =>
      startEventSink({
        clock,
        port,
        eventsFile: join(dataDir, STACK_FILES.events),
        ...(previous?.sinkKey ? { key: previous.sinkKey } : {}),
      }),
    );
    cleanups.push(() => sink.close());

    const settings: Record<string, string> = {
      RPCOPY_ARM_ENDPOINT: simulator.endpoint,
      RPCOPY_ARM_CREDENTIAL: 'static',
      ...(caCertificatePath ? { RPCOPY_ARM_CA_CERTIFICATE: caCertificatePath } : {}),
      RPCOPY_EVENTGRID_ENDPOINT: sink.topicEndpoint,
      RPCOPY_EVENTGRID_KEY: sink.key,
      ...options.settings,
    };
    const appDir = options.appDir ?? repositoryRoot();
    if (
      process.env.RPCOPY_ALLOWED_SUBSCRIPTIONS === undefined &&
      settings.RPCOPY_ALLOWED_SUBSCRIPTIONS === undefined
    ) {
      const local = readLocalSettings(appDir);
      if (local.RPCOPY_ALLOWED_SUBSCRIPTIONS === undefined) {
        settings.RPCOPY_ALLOWED_SUBSCRIPTIONS = plan.subscriptionId;
      }
    }

    // A restart must come back on the same port: the simulator keeps delivering to the webhook URL it has.
    if (previous && options.port !== undefined && options.port !== 0 && options.port !== previous.appPort) {
      throw new Error(
        `the local stack in ${dataDir} serves the app on port ${previous.appPort}, where the simulator delivers its events; start it with that port (or none), or use a new data directory for port ${options.port}`,
      );
    }
    const host = await onPreferredPort(
      previous?.appPort ?? options.port ?? DEFAULT_APP_PORT,
      previous === undefined && options.port === undefined,
      (port) =>
        startDevHost({
          ...options.host,
          appDir,
          clock,
          port,
          dataDir: join(dataDir, STACK_FILES.host),
          settings,
          log: options.log ?? fileLogSink(join(dataDir, STACK_FILES.hostLog), clock),
        }),
    ).catch((error: unknown) => {
      if (previous && isAddressInUse(error)) {
        throw new Error(
          `port ${previous.appPort} is in use; the local stack in ${dataDir} needs it again, because the simulator delivers events to the app there. Stop whatever uses it and start again.`,
          { cause: error },
        );
      }
      throw error;
    });
    cleanups.push(() => host.close());
    writeFileAtomic(join(dataDir, STACK_FILES.functionKey), `${host.functionKey}\n`, SECRET_FILE_MODE);
    writeFileAtomic(join(dataDir, STACK_FILES.eventSinkKey), `${sink.key}\n`, SECRET_FILE_MODE);

    const trigger = [...host.app.registry.values()].find(
      (info) => info.triggerType.toLowerCase() === 'eventgridtrigger',
    );
    if (!trigger) {
      throw new Error(`the app in ${appDir} registers no Event Grid trigger to deliver ARM events to`);
    }
    const webhook = new URL('/runtime/webhooks/eventgrid', host.baseUrl);
    webhook.searchParams.set('functionName', trigger.name);
    webhook.searchParams.set('code', host.eventGridKey);
    const webhookUrl = webhook.toString();

    const connection: ArmConnection = {
      endpoint: simulator.endpoint,
      credential: 'static',
      ...(simulator.caCertificatePem ? { caCertificatePem: simulator.caCertificatePem } : {}),
    };
    const compute = createComputeClient(connection, createCredential(connection), plan.subscriptionId);
    // Marks the stack's own ARM calls in the simulator's request log, apart from the app's.
    compute.pipeline.addPolicy({
      name: 'rpcopyDevStackClient',
      sendRequest: (request, next) => {
        request.headers.set('x-rpcopy-client', DEV_STACK_CLIENT);
        return next(request);
      },
    });
    const poll = { updateIntervalInMs: options.armPollIntervalMs ?? 1000 };

    const interval = options.restorePointIntervalMs ?? 0;
    let state: StackState = previous ?? {
      version: 1,
      subscriptionId: plan.subscriptionId,
      sourceCollectionId: demoIds(plan).sourceCollectionId,
      appPort: portOf(host.baseUrl),
      sinkKey: sink.key,
      seeded: false,
      clockTime: clock.now(),
    };
    state.simulatorPort = portOf(simulator.endpoint);
    state.sinkPort = portOf(sink.url);
    const saveState = (): void => {
      state.clockTime = Math.max(state.clockTime, clock.now());
      // Owner-only: it holds the sink's topic key.
      writeFileAtomic(
        join(dataDir, STACK_FILES.state),
        `${JSON.stringify(state, null, 2)}\n`,
        SECRET_FILE_MODE,
      );
    };
    if (!previous) {
      if (options.events?.subscribe ?? true) {
        simulator.subscribeEvents({
          url: options.events?.url ?? webhookUrl,
          schema: options.events?.schema ?? 'EventGrid',
          ...(options.events?.duplicate ? { duplicate: true } : {}),
        });
      }
      // Saved before seeding: the simulator now holds the subscription, and a restart must not add another.
      saveState();
    }
    if (!state.seeded) {
      const ids = await seedDemo(compute, plan, poll);
      state = {
        ...state,
        sourceCollectionId: ids.sourceCollectionId,
        seeded: true,
      };
    }
    // The first restore point comes right away, so a newcomer sees a copy within a minute.
    if (interval > 0 && state.nextRestorePointAt === undefined) {
      state.nextRestorePointAt = clock.now();
    }
    saveState();
    // A crash loses at most this much of the clock's own progress; resources are saved as they change.
    const saver = setInterval(saveState, 1000);
    saver.unref();
    cleanups.push(() => {
      clearInterval(saver);
      saveState();
      return Promise.resolve();
    });

    const createOne = async (name?: string): Promise<string> =>
      createSourceRestorePoint(compute, plan, name ?? restorePointNameAt(clock.now()), poll);

    // The schedule: one restore point at a time, the next one `interval` after the previous was due.
    let scheduled: { cancel(): void } | undefined;
    let creating: Promise<void> | undefined;
    let stopped = false;
    const arm = (): void => {
      if (stopped || interval <= 0 || state.nextRestorePointAt === undefined) {
        return;
      }
      scheduled = clock.schedule(state.nextRestorePointAt, () => {
        scheduled = undefined;
        creating = createOne()
          .then(
            () => undefined,
            (error: unknown) => {
              if (stopped) {
                return;
              }
              const at = new Date(clock.now()).toISOString().slice(0, 16).replace('T', ' ');
              notice(
                `Creating the source restore point due ${at} UTC (simulated) failed: ${(error as Error).message}`,
              );
            },
          )
          .finally(() => {
            creating = undefined;
            state.nextRestorePointAt = Math.max((state.nextRestorePointAt ?? 0) + interval, clock.now());
            saveState();
            arm();
          });
      });
    };
    arm();
    cleanups.push(async () => {
      stopped = true;
      scheduled?.cancel();
      await creating;
    });

    const ready: ReadyDocument = {
      appUrl: host.baseUrl,
      functionKey: host.functionKey,
      armEndpoint: simulator.endpoint,
      ...(caCertificatePath ? { caCertificatePath } : {}),
      eventSinkUrl: sink.url,
      eventSinkKey: sink.key,
      subscriptionId: state.subscriptionId,
      sourceCollectionId: state.sourceCollectionId,
    };

    let closing: Promise<void> | undefined;
    return {
      clock,
      simulator,
      host,
      sink,
      compute,
      plan,
      ready,
      resumed: previous !== undefined,
      webhookUrl,
      dataDir,
      nextRestorePointAt: () => (interval > 0 ? state.nextRestorePointAt : undefined),
      createSourceRestorePoint: createOne,
      close: () => (closing ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    // A first start that failed (a taken --port, say) must not leave a half-made stack for the next start to
    // trip over; a resumed stack keeps its state whatever happened.
    if (firstStart) {
      removeStackFiles(dataDir, !dataDirExisted);
    }
    throw error;
  }
}

function removeStackFiles(dataDir: string, wholeDirectory: boolean): void {
  if (wholeDirectory) {
    rmSync(dataDir, { recursive: true, force: true });
    return;
  }
  for (const name of Object.values(STACK_FILES)) {
    rmSync(join(dataDir, name), { recursive: true, force: true });
  }
}

function readLocalSettings(appDir: string): Record<string, unknown> {
  const file = join(appDir, 'local.settings.json');
  if (!existsSync(file)) {
    return {};
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as { Values?: unknown };
  return typeof parsed.Values === 'object' && parsed.Values !== null
    ? (parsed.Values as Record<string, unknown>)
    : {};
}

/**
 * Writes the ready document atomically, so a script polling for the file never reads half of it, and
 * owner-only, because it holds keys.
 */
export function writeReadyFile(file: string, ready: ReadyDocument): void {
  writeFileAtomic(resolve(file), `${JSON.stringify(ready, null, 2)}\n`, SECRET_FILE_MODE);
}
