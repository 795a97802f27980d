/**
 * ARM resource ids for restore points and their collections.
 *
 * @remarks ARM ids are case-insensitive. Comparisons and derived keys use {@link normalizeArmId}; ids shown to
 * people keep the names' casing but use the canonical segment spelling.
 */

import { shown } from './shownInput';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RESOURCE_GROUP_NAME = /^[-\p{L}\p{N}_.()]{1,90}$/u;
const RESOURCE_NAME = /^[^\s/\\?#%&<>*:]{1,260}$/u;

export interface ResourceGroupRef {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
}

export interface CollectionRef extends ResourceGroupRef {
  readonly collectionName: string;
}

export interface RestorePointRef extends CollectionRef {
  readonly restorePointName: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Lower-cases an ARM id and gives it exactly one leading slash and no trailing slash. */
export function normalizeArmId(id: string): string {
  return `/${id.trim().replace(/^\/+/, '').replace(/\/+$/, '')}`.toLowerCase();
}

export function armIdsEqual(a: string, b: string): boolean {
  return normalizeArmId(a) === normalizeArmId(b);
}

export function isSubscriptionId(value: string): boolean {
  return GUID.test(value);
}

function segmentsOf(id: string): string[] {
  return id.trim().replace(/^\//, '').split('/');
}

function checkNames(resourceGroup: string, names: readonly string[]): string | undefined {
  if (!RESOURCE_GROUP_NAME.test(resourceGroup) || resourceGroup.endsWith('.')) {
    return `'${shown(resourceGroup)}' is not a valid resource group name`;
  }
  // ARM names never end with a period; `.` and `..` would also be resolved as path steps by every HTTP
  // client, so `restorePoints/..` would read the collection itself.
  const bad = names.find((name) => !RESOURCE_NAME.test(name) || name.endsWith('.'));
  return bad === undefined ? undefined : `'${shown(bad)}' is not a valid resource name`;
}

type SegmentsResult = ParseResult<CollectionRef> | { ok: false; shape: true; message: string };

function parseCollectionSegments(segments: readonly string[], id: string): SegmentsResult {
  const [subscriptions, subscriptionId, resourceGroups, resourceGroup, providers, namespace, type, name] =
    segments;
  if (
    subscriptions?.toLowerCase() !== 'subscriptions' ||
    resourceGroups?.toLowerCase() !== 'resourcegroups' ||
    providers?.toLowerCase() !== 'providers' ||
    namespace?.toLowerCase() !== 'microsoft.compute' ||
    type?.toLowerCase() !== 'restorepointcollections' ||
    subscriptionId === undefined ||
    resourceGroup === undefined ||
    name === undefined
  ) {
    return {
      ok: false,
      shape: true,
      message: `'${shown(id)}' is not a restore point collection id (/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Compute/restorePointCollections/{name})`,
    };
  }
  if (!isSubscriptionId(subscriptionId)) {
    return {
      ok: false,
      message: `'${shown(subscriptionId)}' in '${shown(id)}' is not a subscription id (a GUID)`,
    };
  }
  const invalid = checkNames(resourceGroup, [name]);
  if (invalid !== undefined) {
    return { ok: false, message: `${invalid} in '${shown(id)}'` };
  }
  return {
    ok: true,
    value: { subscriptionId: subscriptionId.toLowerCase(), resourceGroup, collectionName: name },
  };
}

/** Parses a restore point collection id; case-insensitive, leading slash optional. */
export function parseCollectionId(id: string): ParseResult<CollectionRef> {
  const segments = segmentsOf(id);
  const parsed = parseCollectionSegments(segments.length === 8 ? segments : [], id);
  return parsed.ok ? parsed : { ok: false, message: parsed.message };
}

/** Parses a restore point id; case-insensitive, leading slash optional. */
export function parseRestorePointId(id: string): ParseResult<RestorePointRef> {
  const segments = segmentsOf(id);
  const shapeError = {
    ok: false as const,
    message: `'${shown(id)}' is not a restore point id (/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Compute/restorePointCollections/{collection}/restorePoints/{name})`,
  };
  if (segments.length !== 10 || segments[8]?.toLowerCase() !== 'restorepoints') {
    return shapeError;
  }
  const collection = parseCollectionSegments(segments.slice(0, 8), id);
  if (!collection.ok) {
    return 'shape' in collection ? shapeError : { ok: false, message: collection.message };
  }
  const restorePointName = segments[9] ?? '';
  const invalid = checkNames(collection.value.resourceGroup, [restorePointName]);
  if (invalid !== undefined) {
    return { ok: false, message: `${invalid} in '${shown(id)}'` };
  }
  return { ok: true, value: { ...collection.value, restorePointName } };
}

export function formatCollectionId(ref: CollectionRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Compute/restorePointCollections/${ref.collectionName}`;
}

export function formatRestorePointId(ref: RestorePointRef): string {
  return `${formatCollectionId(ref)}/restorePoints/${ref.restorePointName}`;
}

/** The collection that holds a restore point. */
export function collectionOf(ref: RestorePointRef): CollectionRef {
  return {
    subscriptionId: ref.subscriptionId,
    resourceGroup: ref.resourceGroup,
    collectionName: ref.collectionName,
  };
}

/** Whether an ARM id (e.g. a collection's `source.id`) names a restore point collection rather than a VM. */
export function isCollectionId(id: string): boolean {
  return /\/providers\/microsoft\.compute\/restorepointcollections\/[^/]+$/.test(normalizeArmId(id));
}
