import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import type { ComputeSimulatorOptions } from '../../dev/compute-sim';
import type { DevHost, InstanceStatus } from '../../dev/host';
import type { LogSink } from '../../dev/host/worker/invocation';
import type { CopyDocument } from '../../src/domain/copyDocument';
import { VirtualClock, startDevHost } from '../../dev/host';
import type { SimHarness } from './computeSim';
import { START, SUBSCRIPTION, startSimHarness } from './computeSim';
import type { EventSink } from './eventSink';
import { startEventSink } from './eventSink';
import type { ApiResponse } from './functionApi';
import { callFunctionApi } from './functionApi';

export const APP_DIR = path.resolve(__dirname, '../..');

export interface AppStack {
  clock: VirtualClock;
  h: SimHarness;
  sink: EventSink;
  /** The current host; replaced by {@link AppStack.restartHost}. */
  host: DevHost;
  /** Stops the host (in-flight work is abandoned) and starts a new one on the same data directory. */
  restartHost(): Promise<void>;
  /** Calls the app's HTTP API with the function key. */
  api(method: string, route: string, body?: unknown): Promise<ApiResponse>;
  /** The types of the events the app published about one copy, in arrival order. */
  copyEventTypes(copyId: string): unknown[];
  /** Drives the virtual clock until the copy's orchestration ends. */
  waitForCopy(id: string, maxDays?: number): Promise<InstanceStatus>;
  close(): Promise<void>;
}

/** Settings that point the app at the simulator and the sink; tests override what they exercise. */
export function appSettings(h: SimHarness, sink: EventSink): Record<string, string> {
  return {
    RPCOPY_ALLOWED_SUBSCRIPTIONS: SUBSCRIPTION,
    RPCOPY_POLICY: JSON.stringify([
      {
        scope: `/subscriptions/${SUBSCRIPTION}`,
        sourceRegions: ['eastus'],
        targetRegions: ['westus2', 'centralus'],
      },
    ]),
    RPCOPY_ARM_ENDPOINT: h.sim.endpoint,
    RPCOPY_ARM_CA_CERTIFICATE: h.connection.caCertificatePem ?? '',
    RPCOPY_ARM_CREDENTIAL: 'static',
    RPCOPY_EVENTGRID_ENDPOINT: sink.endpoint,
    RPCOPY_EVENTGRID_KEY: sink.key,
    RPCOPY_QUEUE_RECHECK_SECONDS: '120',
    // Tests fire the reconciliation by hand; keep the timer out of the way.
    RPCOPY_RECONCILE_SCHEDULE: '0 0 0 1 1 *',
    // The protection sweep too, unless a test drives it on a schedule of its own.
    RPCOPY_PROTECTION_SCHEDULE: '0 0 0 1 1 *',
  };
}

/**
 * The compiled app on the dev host, with the Compute simulator and an Event Grid sink, all on one virtual
 * clock. Needs `npm run build` first (the host loads `dist/src/functions/*.js`, as `func start` would).
 */
export async function startAppStack(
  options: {
    settings?: Record<string, string>;
    sim?: Partial<ComputeSimulatorOptions>;
    dataDir?: string;
    clock?: VirtualClock;
    /** Function and host logs; dropped unless a test reads them. */
    log?: LogSink;
  } = {},
): Promise<AppStack> {
  if (!existsSync(path.join(APP_DIR, 'dist/src/functions/copiesHttp.js'))) {
    throw new Error('The app is not built: run `npm run build` (npm test does it first).');
  }
  const clock = options.clock ?? new VirtualClock(START);
  const h = await startSimHarness({ ...options.sim, clock });
  const sink = await startEventSink();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'rpcopy-app-'));
  const settings = { ...appSettings(h, sink), ...options.settings };
  const start = (): Promise<DevHost> =>
    startDevHost({ appDir: APP_DIR, clock, settings, log: options.log ?? (() => undefined), dataDir });
  const stack: AppStack = {
    clock,
    h,
    sink,
    host: await start(),
    restartHost: async () => {
      await stack.host.close();
      stack.host = await start();
    },
    api: (method, route, body) =>
      callFunctionApi(`${stack.host.baseUrl}/api/${route}`, stack.host.functionKey, method, body),
    copyEventTypes: (copyId) =>
      sink
        .events()
        .filter((event) => (event.data as CopyDocument).id === copyId)
        .map((event) => event.type),
    waitForCopy: (id, maxDays = 20) =>
      stack.host.waitForInstance(id, { maxTime: clock.now() + maxDays * 86_400_000 }),
    close: async () => {
      await stack.host.close();
      await h.close();
      await sink.close();
      if (options.dataDir === undefined) {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
  return stack;
}
