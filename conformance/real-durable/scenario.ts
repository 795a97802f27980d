import type { Clock } from '../../dev/clock';
import type { DurableClient } from 'durable-functions';

import type { RpcTypedData } from '../../dev/host/worker';

/** Time as a scenario's own services see it: the dev host's virtual clock, or the wall clock. */
export interface ScenarioClock extends Clock {
  /** Virtual: moves the clock on. Real: waits a little (services run with near-zero durations there). */
  advanceBy(ms: number): Promise<void>;
}

/** Services a scenario brings along (the Compute simulator, an event sink), started before the app loads. */
export interface ScenarioEnvironment {
  /** App settings pointing the app at the services. */
  settings: Record<string, string>;
  /** Events the app published, in arrival order. */
  events(): unknown[];
  close(): Promise<void>;
}

/** What a scenario can do, the same on the real engine and on the dev host. */
export interface ScenarioDriver {
  /** The package's real DurableClient, built from the engine's own binding payload. */
  client: DurableClient;
  /** Runs one of the app's non-Durable functions (HTTP, timer, Event Grid) with this trigger data. */
  call: (functionName: string, triggerData: RpcTypedData) => Promise<unknown>;
  /** Waits until the instance reaches one of the statuses (the dev host moves its virtual clock). */
  waitFor: (instanceId: string, statuses?: string[]) => Promise<void>;
  /** What `Scenario.environment` started, if anything. */
  environment: unknown;
  /** Keeps a value (e.g. a raw management API exchange) in the recording's `notes`, in order. */
  note: (value: unknown) => void;
  /** The engine's management endpoint for clients (`rpcBaseUrl` of the binding payload). */
  rpcBaseUrl: string;
}

export interface Scenario {
  name: string;
  /** The app directory, relative to the repository root. */
  app: string;
  settings?: Record<string, string>;
  /**
   * Shortened timer limits, set on the real provider as the extension's own tests do and on the dev host's
   * engine alike (defaults: 6 days and 3 days).
   */
  shortTimers?: { maxShortTimerSeconds: number; longTimerIntervalSeconds: number };
  /** Starts the services the scenario needs, on the side's clock. */
  environment?: (clock: ScenarioClock) => Promise<ScenarioEnvironment>;
  /** Runs the scenario and names the instances whose final status goes into the recording. */
  run(driver: ScenarioDriver): Promise<string[]>;
}

export const TERMINAL = ['Completed', 'Failed', 'Terminated', 'Canceled'];
