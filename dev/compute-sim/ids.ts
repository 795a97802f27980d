import { createHash } from 'node:crypto';

/**
 * Deterministic GUIDs: a run with the same seed and the same requests produces the same ids, so tests can
 * compare whole responses and a restarted simulator keeps counting where it stopped.
 */
export class IdGenerator {
  constructor(
    private readonly seed: number,
    private counter = 0,
  ) {}

  get issued(): number {
    return this.counter;
  }

  next(): string {
    this.counter++;
    return guidFrom(`${this.seed}:${this.counter}`);
  }
}

export function guidFrom(text: string): string {
  const hex = createHash('sha256').update(text).digest('hex');
  const variant = ((parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** ARM ids compare case-insensitively; this is the key every lookup uses. */
export function idKey(id: string): string {
  let normalized = id.trim().toLowerCase();
  if (!normalized.startsWith('/')) {
    normalized = `/${normalized}`;
  }
  while (normalized.length > 1 && normalized.endsWith('/')) {
    normalized = normalized.slice(0, -1);
  }
  return normalized;
}

export interface ParsedResourceId {
  subscriptionId: string;
  resourceGroup: string;
  /** Lower-cased resource type path after the provider, e.g. `restorepointcollections/restorepoints`. */
  type: string;
  names: string[];
}

/** Parses a Microsoft.Compute resource id; undefined when it is not one. */
export function parseComputeId(id: string): ParsedResourceId | undefined {
  const segments = idKey(id).split('/').slice(1);
  const original = (id.trim().startsWith('/') ? id.trim() : `/${id.trim()}`).split('/').slice(1);
  if (segments.length < 8 || segments.length % 2 !== 0) {
    return undefined;
  }
  if (segments[0] !== 'subscriptions' || segments[2] !== 'resourcegroups' || segments[4] !== 'providers') {
    return undefined;
  }
  if (segments[5] !== 'microsoft.compute') {
    return undefined;
  }
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 6; i < segments.length; i += 2) {
    types.push(segments[i] ?? '');
    names.push(original[i + 1] ?? '');
  }
  return {
    subscriptionId: original[1] ?? '',
    resourceGroup: original[3] ?? '',
    type: types.join('/'),
    names,
  };
}

export function resourceGroupOf(id: string): { subscriptionId: string; resourceGroup: string } {
  const original = (id.startsWith('/') ? id : `/${id}`).split('/');
  return { subscriptionId: original[2] ?? '', resourceGroup: original[4] ?? '' };
}
