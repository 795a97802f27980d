import type { TokenCredential } from '@azure/core-auth';

import type { Activities } from './activities/createActivities';
import { createActivities } from './activities/createActivities';
import { ArmComputeGateway } from './azure/armComputeGateway';
import { createCredential } from './azure/computeClient';
import type { ComputeGateway } from './azure/computeGateway';
import type { EventPublisher } from './azure/eventPublisher';
import { createEventPublisher } from './azure/eventPublisher';
import type { AppConfig } from './config';
import { loadConfig } from './config';

/** Everything the triggers and activities use, built once from the configuration. */
export interface Runtime {
  config: AppConfig;
  compute: ComputeGateway;
  events: EventPublisher;
  activities: Activities;
}

let built: { runtime: Runtime } | { error: unknown } | undefined;

/**
 * The runtime, built on first use from `process.env`.
 *
 * @remarks Lazy so that a configuration error surfaces as a clear error on each request (HTTP answers 503)
 * instead of stopping the host from loading the app.
 * @throws ConfigError when the settings are invalid.
 */
export function getRuntime(): Runtime {
  built ??= buildRuntime();
  if ('error' in built) {
    throw built.error;
  }
  return built.runtime;
}

function buildRuntime(): { runtime: Runtime } | { error: unknown } {
  try {
    const config = loadConfig(process.env);
    let credential: TokenCredential | undefined;
    const armCredential = (): TokenCredential => (credential ??= createCredential(config.arm));
    const compute = new ArmComputeGateway(config.arm, armCredential());
    const events = createEventPublisher(config.eventGrid, () => createCredential({ credential: 'default' }));
    const activities = createActivities({
      compute,
      events,
      policy: config.policy,
      naming: config.naming,
      eventGrid: config.eventGrid,
      now: () => new Date(),
    });
    return { runtime: { config, compute, events, activities } };
  } catch (error) {
    return { error };
  }
}
