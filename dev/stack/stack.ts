import type { ComputeManagementClient } from '@azure/arm-compute';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Clock } from '../clock';
import {
  startComputeSimulator,
  type ComputeSimulator,
  type ComputeSimulatorOptions,
  type EventSchema,
} from '../compute-sim';
import { startDevHost, type DevHost, type DevHostOptions, type LogSink } from '../host';
import { createComputeClient, createCredential, type ArmConnection } from '../../src/azure/computeClient';
import { startEventSink, type EventSink } from './eventSink';
import { writeFileAtomic } from '../atomicFile';
import { DEFAULT_APP_PORT, isAddressInUse, onPreferredPort, portOf } from './ports';
import { scheduleRestorePoints } from './restorePointSchedule';
import {
  SECRET_FILE_MODE,
  STACK_FILES,
  fileLogSink,
  lockDataDir,
  readLocalSettings,
  readStackState,
  removeStackFiles,
  repositoryRoot,
  writeStackState,
  type ReadyDocument,
  type StackState,
} from './stackFiles';
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

export {
  STACK_FILES,
  fileLogSink,
  repositoryRoot,
  savedClockTime,
  writeReadyFile,
  type ReadyDocument,
} from './stackFiles';
/**
 * The whole offline product in one process: the Compute simulator, the dev host running the app and an
 * Event Grid sink, on one clock, wired as Azure wires them, with a seeded demo. `main.ts` runs it on an
 * accelerated real clock; the end-to-end tests run it on a virtual one.
 */

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
      writeStackState(dataDir, state);
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

    if (interval > 0) {
      const schedule = scheduleRestorePoints({
        clock,
        interval,
        state,
        create: () => createOne().then(() => undefined),
        saved: saveState,
        notice,
      });
      cleanups.push(() => schedule.stop());
    }

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
