import { createRequire } from 'node:module';

import type * as ArmComputeSdk from '@azure/arm-compute';
import type * as CoreAuthSdk from '@azure/core-auth';
import type * as EventGridSdk from '@azure/eventgrid';
import type * as IdentitySdk from '@azure/identity';

/**
 * The Azure SDK clients, loaded on first use.
 *
 * @remarks Together they are about half of the modules the app would load at start, and a cold start pays
 * for every module loaded before the first invocation; most invocations (the HTTP API reading status) never
 * touch them. Types are imported statically; only the code waits.
 */
const load = createRequire(__filename);

function once<T>(loader: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: loader() }).value;
}

export const armComputeSdk = once(() => load('@azure/arm-compute') as typeof ArmComputeSdk);
export const identitySdk = once(() => load('@azure/identity') as typeof IdentitySdk);
export const coreAuthSdk = once(() => load('@azure/core-auth') as typeof CoreAuthSdk);
export const eventGridSdk = once(() => load('@azure/eventgrid') as typeof EventGridSdk);
