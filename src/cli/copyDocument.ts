/** The copy document of the HTTP contract (`GET /api/copies/{id}`), as far as the CLI reads it. */

// The app's own status list: src/domain/copyDocument.ts imports nothing, so this brings no app code along.
import type { CopyStatus } from '../domain/copyDocument';
import { COPY_STATUSES } from '../domain/copyDocument';

export type { CopyStatus };

/** The app's statuses as a run-time list, for `list --status`. */
export const copyStatuses = COPY_STATUSES;

/** Statuses of a copy that has not ended; `watch` without an id follows copies in these. */
export const activeStatuses = ['Queued', 'Starting', 'Replicating'] as const satisfies readonly CopyStatus[];

export interface DiskProgress {
  id: string;
  status?: string;
  percent?: number;
}

export interface CopyProgress {
  percent?: number;
  etaSeconds?: number;
  /** The reported progress has not moved for several platform refreshes. */
  stalled?: boolean;
  disks: DiskProgress[];
}

export interface CopyError {
  category?: string;
  code?: string;
  message?: string;
  suggestion?: string;
}

export interface CopyDocument {
  id: string;
  /** A string rather than {@link CopyStatus}: a newer server may add statuses, and the CLI still shows them. */
  status: string;
  sourceRestorePointId?: string;
  targetRestorePointId?: string;
  sourceRegion?: string;
  targetRegion?: string;
  createdAt?: string;
  startedAt?: string;
  completedAt?: string;
  statusUrl?: string;
  /** Why a copy was `Skipped`, when the server says so outside `error`. */
  reason?: string;
  note?: string;
  progress?: CopyProgress;
  /** True once every disk has replicated and the target can restore a VM. */
  usable?: boolean;
  error?: CopyError;
}

export interface CopyPage {
  copies: CopyDocument[];
  /** Opaque token for the next page; absent on the last page. */
  continuationToken?: string;
  /** Alternatively, the server may give the next page as a link. */
  nextLink?: string;
}

/**
 * How a copy stands for a script: still running, ended with a usable target, or ended without one.
 *
 * @remarks An unknown status counts as in progress, the same defensive reading the engine applies to
 * undocumented replication states.
 */
export type CopyOutcome = 'in-progress' | 'succeeded' | 'unsuccessful';

export function copyOutcome(status: string): CopyOutcome {
  switch (status) {
    case 'Succeeded':
      return 'succeeded';
    case 'Failed':
    case 'TimedOut':
    case 'Canceled':
    case 'Skipped':
      return 'unsuccessful';
    default:
      return 'in-progress';
  }
}

export function isEnded(status: string): boolean {
  return copyOutcome(status) !== 'in-progress';
}

/** Thrown when the API answers 2xx with a body that is not the documented shape. */
export class InvalidResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidResponseError';
  }
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(source: JsonObject, key: string): string | undefined {
  const value = source[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function optionalNumber(source: JsonObject, key: string): number | undefined {
  const value = source[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Copies only the present, well-typed fields, so renderers never meet `null` or a wrong type. */
function pickStrings<K extends string>(source: JsonObject, keys: readonly K[]): Partial<Record<K, string>> {
  const picked: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = optionalString(source, key);
    if (value !== undefined) {
      picked[key] = value;
    }
  }
  return picked;
}

function toDisk(value: unknown): DiskProgress | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const id = optionalString(value, 'id');
  if (id === undefined) {
    return undefined;
  }
  const status = optionalString(value, 'status');
  const percent = optionalNumber(value, 'percent');
  return { id, ...(status !== undefined ? { status } : {}), ...(percent !== undefined ? { percent } : {}) };
}

function toProgress(value: unknown): CopyProgress | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const percent = optionalNumber(value, 'percent');
  const etaSeconds = optionalNumber(value, 'etaSeconds');
  const disks = Array.isArray(value.disks)
    ? value.disks.map(toDisk).filter((disk): disk is DiskProgress => disk !== undefined)
    : [];
  return {
    ...(percent !== undefined ? { percent } : {}),
    ...(etaSeconds !== undefined ? { etaSeconds } : {}),
    ...(value.stalled === true ? { stalled: true } : {}),
    disks,
  };
}

function toError(value: unknown): CopyError | undefined {
  if (!isObject(value)) {
    return undefined;
  }
  const error = pickStrings(value, ['category', 'code', 'message', 'suggestion'] as const);
  return Object.keys(error).length > 0 ? error : undefined;
}

/** Reads one copy document; `where` names the response in the error message. */
export function toCopyDocument(value: unknown, where: string): CopyDocument {
  if (!isObject(value)) {
    throw new InvalidResponseError(`${where}: expected a copy object`);
  }
  const id = optionalString(value, 'id');
  const status = optionalString(value, 'status');
  if (id === undefined || status === undefined) {
    throw new InvalidResponseError(`${where}: a copy without "id" or "status"`);
  }
  const progress = toProgress(value.progress);
  const error = toError(value.error);
  return {
    id,
    status,
    ...pickStrings(value, [
      'sourceRestorePointId',
      'targetRestorePointId',
      'sourceRegion',
      'targetRegion',
      'createdAt',
      'startedAt',
      'completedAt',
      'statusUrl',
      'reason',
      'note',
    ] as const),
    ...(progress !== undefined ? { progress } : {}),
    ...(typeof value.usable === 'boolean' ? { usable: value.usable } : {}),
    ...(error !== undefined ? { error } : {}),
  };
}

/** Reads `{ copies: [...] }` (the answer of `POST /api/copies` and of each `GET /api/copies` page). */
export function toCopyPage(value: unknown, where: string): CopyPage {
  if (!isObject(value) || !Array.isArray(value.copies)) {
    throw new InvalidResponseError(`${where}: expected an object with a "copies" array`);
  }
  const copies = value.copies.map((copy, index) => toCopyDocument(copy, `${where}, copies[${index}]`));
  const continuationToken = optionalString(value, 'continuationToken');
  const nextLink = optionalString(value, 'nextLink');
  return {
    copies,
    ...(continuationToken !== undefined ? { continuationToken } : {}),
    ...(nextLink !== undefined ? { nextLink } : {}),
  };
}

/** The last path segment of an ARM id: disks and restore points are shown by their name. */
export function lastSegment(armId: string | undefined): string | undefined {
  if (armId === undefined) {
    return undefined;
  }
  const segments = armId.split('/').filter((segment) => segment.length > 0);
  return segments.at(-1) ?? armId;
}
