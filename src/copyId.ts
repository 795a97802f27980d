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
  return `${copyIdPrefix(region)}${digest.slice(0, 32)}`;
}

/**
 * The start every copy id has, or every copy id to one region has: the list API asks the Durable store for
 * one such prefix, a key range of its instances table, so a page costs the same however many copies exist.
 * The trailing dash keeps `eastus` from matching `eastus2`.
 */
export function copyIdPrefix(targetRegion?: string): string {
  return targetRegion === undefined ? 'rpcopy-' : `rpcopy-${targetRegion.toLowerCase()}-`;
}

const COPY_ID = /^rpcopy-[a-z0-9]+-[0-9a-f]{32}$/;

/** Whether a string has the shape of a copy id (anything else cannot name a copy). */
export function isCopyId(value: string): boolean {
  return COPY_ID.test(value);
}
