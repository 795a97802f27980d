import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VirtualClock } from '../../../dev/clock';
import type { LogEntry } from '../../../dev/host';
import { startStack, type SimulatorTuning, type Stack, type StackOptions } from '../../../dev/stack/stack';
import type { ReceivedEvent } from '../../../dev/stack/eventSink';
import { callFunctionApi, type ApiResponse } from '../../support/functionApi';
import { afterEach, beforeAll } from 'vitest';
import { ensureBuilt, whileNotBuilding } from './ensureBuilt';
import { recordAppOperations } from '../../infra/armOperations';

/**
 * The real app on the local stack, in-process, on a virtual clock: what the end-to-end tests drive.
 *
 * ARM operations of the stack's own seeding complete at once (`lroDurationMs: 0`): the SDK poller waits in
 * real time, and a virtual clock that nobody advances would never end a timed operation.
 */

export const T0 = Date.UTC(2026, 0, 1);
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** The copy document of `GET /api/copies/{id}`, as far as the tests read it. */
export interface Copy {
  id: string;
  status: string;
  sourceRestorePointId: string;
  targetRestorePointId?: string;
  sourceRegion?: string;
  targetRegion: string;
  createdAt?: string;
  startedAt?: string;
  completedAt?: string;
  progress?: {
    percent?: number;
    etaSeconds?: number;
    disks: { id: string; status: string; percent: number }[];
  };
  error?: { category: string; code: string; message: string; suggestion: string };
  [field: string]: unknown;
}

export interface AppStack {
  stack: Stack;
  clock: VirtualClock;
  dataDir: string;
  logs: LogEntry[];
  /** An HTTP call to the app with the function key; `body` is sent as JSON unless it is a string. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Every copy, through the HTTP API (all pages). */
  copies(): Promise<Copy[]>;
  copy(id: string): Promise<Copy>;
  /** Events the app published, in arrival order. */
  events(type?: string): ReceivedEvent['event'][];
  /**
   * Moves the clock from timer to timer until `done` holds, letting all work settle in between. Rejects
   * past `maxTime` (default 3 simulated days) so a test that waits for what never happens fails.
   */
  runUntil(done: () => Promise<boolean> | boolean, maxTime?: number): Promise<void>;
  /** Runs until every copy the app knows has ended (and there is at least `atLeast` of them). */
  runUntilCopiesEnd(atLeast: number, maxTime?: number): Promise<Copy[]>;
  close(): Promise<void>;
}

export interface AppStackOptions {
  dataDir?: string;
  clock?: VirtualClock;
  simulator?: SimulatorTuning;
  events?: StackOptions['events'];
  settings?: Record<string, string>;
}

const ENDED = new Set(['Succeeded', 'Failed', 'TimedOut', 'Canceled', 'Skipped']);

export function temporaryDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'rpcopy-e2e-'));
}

export async function startAppStack(options: AppStackOptions = {}): Promise<AppStack> {
  const clock = options.clock ?? new VirtualClock(T0);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? temporaryDataDir();
  const logs: LogEntry[] = [];
  await whileNotBuilding();
  const stack = await startStack({
    clock,
    dataDir,
    port: 0,
    simulator: { lroDurationMs: 0, lroRetryAfterSeconds: 0, ...options.simulator },
    armPollIntervalMs: 5,
    log: (entry) => logs.push(entry),
    ...(options.events ? { events: options.events } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });

  const api = (method: string, path: string, body?: unknown): Promise<ApiResponse> =>
    callFunctionApi(new URL(path, stack.ready.appUrl), stack.ready.functionKey, method, body);

  const copies = async (): Promise<Copy[]> => {
    const all: Copy[] = [];
    let path: string | undefined = '/api/copies';
    while (path !== undefined) {
      const page = await api('GET', path);
      if (page.status !== 200) {
        throw new Error(`GET ${path} answered ${page.status}: ${JSON.stringify(page.body)}`);
      }
      const body = page.body as { copies: Copy[]; continuationToken?: unknown; nextLink?: unknown };
      all.push(...body.copies);
      // The last page says so with an absent or null continuation.
      path =
        typeof body.nextLink === 'string'
          ? body.nextLink
          : typeof body.continuationToken === 'string'
            ? `/api/copies?continuationToken=${encodeURIComponent(body.continuationToken)}`
            : undefined;
    }
    return all;
  };

  const copy = async (id: string): Promise<Copy> => {
    const response = await api('GET', `/api/copies/${id}`);
    if (response.status !== 200) {
      throw new Error(`GET copy ${id} answered ${response.status}`);
    }
    return response.body as Copy;
  };

  const settleAll = async (): Promise<void> => {
    await stack.host.engine.whenIdle();
    await clock.settle();
    await stack.host.engine.whenIdle();
  };

  const runUntil = async (
    done: () => Promise<boolean> | boolean,
    maxTime = clock.now() + 3 * DAY,
  ): Promise<void> => {
    for (;;) {
      await settleAll();
      if (await done()) {
        return;
      }
      const next = clock.nextDueAt();
      if (next === undefined) {
        throw new Error(`runUntil: not done and nothing scheduled at ${new Date(clock.now()).toISOString()}`);
      }
      if (next > maxTime) {
        throw new Error(`runUntil: not done by ${new Date(maxTime).toISOString()}`);
      }
      await clock.advanceTo(next);
    }
  };

  let lastCopies: Copy[] = [];
  return {
    stack,
    clock,
    dataDir,
    logs,
    api,
    copies,
    copy,
    events: (type) =>
      stack.sink
        .events()
        .map((entry) => entry.event)
        .filter((event) => type === undefined || event.type === type),
    runUntil,
    runUntilCopiesEnd: async (atLeast, maxTime) => {
      await runUntil(async () => {
        lastCopies = await copies();
        return lastCopies.length >= atLeast && lastCopies.every((c) => ENDED.has(c.status));
      }, maxTime);
      return lastCopies;
    },
    close: async () => {
      // For the role test (test/infra/roleTraffic.test.ts): what the app did to ARM in this test.
      recordAppOperations(stack.simulator.requestLog);
      await stack.close();
      if (ownsDataDir) {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * Sets up a file of in-process end-to-end tests: builds dist/ once before the file (the dev host loads the
 * compiled app), and after each test closes every stack the test started through the returned function, also
 * when the test failed.
 */
export function appStacksPerTest(): (options?: AppStackOptions) => Promise<AppStack> {
  const open: AppStack[] = [];
  beforeAll(async () => {
    await ensureBuilt();
  }, 180_000);
  afterEach(async () => {
    for (const app of open.splice(0)) {
      await app.close();
    }
  });
  return async (options) => {
    const app = await startAppStack(options);
    open.push(app);
    return app;
  };
}

/** The last path segment of an ARM id. */
export function nameOf(id: string | undefined): string {
  return (id ?? '').split('/').at(-1) ?? '';
}

/** Target restore point PUTs (copy requests) the simulator received for one region, oldest first. */
export function copyPuts(
  stack: Stack,
  region: string,
): { restorePoint: string; status: number; time: number; errorCode?: string }[] {
  const pattern = new RegExp(`/restorePointCollections/[^/]+-${region}/restorePoints/([^/]+)$`, 'i');
  return stack.simulator.requestLog
    .filter((entry) => entry.method === 'PUT' && pattern.test(entry.path))
    .map((entry) => ({
      restorePoint: pattern.exec(entry.path)?.[1] ?? '',
      status: entry.status,
      time: entry.time,
      ...(entry.errorCode ? { errorCode: entry.errorCode } : {}),
    }));
}
