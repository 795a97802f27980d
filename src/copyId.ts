import { createHash } from 'node:crypto';

import { normalizeArmId } from './domain/armIds';

/**
 * The id of the copy of one source restore point into one region, also used as the orchestration instance id.
 *
 * @remarks Deterministic, so every path that asks for the same copy (HTTP, Event Grid, reconciliation, retries)
 * lands on the same instance. Only `[a-z0-9-]`: durable instance ids travel in URL paths and must not contain
 * `/ \ ? #`. The region stays readable; the hash covers the case-normalised source id and the region.
 */
export function copyIdFor(sourceRestorePointId: string, targetRegion: string): string {
  const region = targetRegion.toLowerCase();
  const digest = createHash('sha256')
    .update(`${normalizeArmId(sourceRestorePointId)}|${region}`)
    .digest('hex');
  return `rpcopy-${region}-${digest.slice(0, 32)}`;
}

const COPY_ID = /^rpcopy-[a-z0-9]+-[0-9a-f]{32}$/;

/** Whether a string has the shape of a copy id (anything else cannot name a copy). */
export function isCopyId(value: string): boolean {
  return COPY_ID.test(value);
}
