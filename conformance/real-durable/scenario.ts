import type { DurableClient } from 'durable-functions';

import type { RpcTypedData } from '../../dev/host/worker';

/** What a scenario can do, the same on the real engine and on the dev host. */
export interface ScenarioDriver {
  /** The package's real DurableClient, built from the engine's own binding payload. */
  client: DurableClient;
  /** Runs one of the app's non-Durable functions (HTTP, timer, Event Grid) with this trigger data. */
  call: (functionName: string, triggerData: RpcTypedData) => Promise<unknown>;
  /** Waits until the instance reaches one of the statuses (the dev host moves its virtual clock). */
  waitFor: (instanceId: string, statuses?: string[]) => Promise<void>;
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
  /** Runs the scenario and names the instances whose final status goes into the recording. */
  run(driver: ScenarioDriver): Promise<string[]>;
}

export const TERMINAL = ['Completed', 'Failed', 'Terminated', 'Canceled'];
