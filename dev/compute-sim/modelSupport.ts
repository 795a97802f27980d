import { ArmError } from './armError';
import { parseComputeId } from './ids';
import type { ReplicationSettings } from './replication';
import type { ProgressRefreshOptions } from './types';

export interface ArmRequest {
  method: string;
  body: unknown;
  /** Scheme, host and port of this server, for absolute poll URLs. */
  origin: string;
  apiVersion: string;
  correlationId: string;
  expand: string | undefined;
  /** Request path without the query, for the `nextLink` of a paged list. */
  path: string;
  /** `$skipToken` of a list's follow-up page request. */
  skipToken: string | undefined;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ModelSettings extends ReplicationSettings {
  copyPutsPerHour: number;
  lroRetryAfterSeconds: number;
  lroDurationMs: number;
  listPageSize: number;
  progressRefresh?: ProgressRefreshOptions;
  /** Seeds each copy's refresh timing. */
  seed: number;
}

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

export function asTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new ArmError(400, 'InvalidParameter', "'tags' must be an object of string values.", {
      target: 'tags',
    });
  }
  return value as Record<string, string>;
}

/** The request body of a PUT or PATCH, which must be a JSON object. */
export function requireObjectBody(body: unknown): Json {
  if (!isObject(body)) {
    throw new ArmError(400, 'InvalidRequestContent', 'The request body must be a JSON object.');
  }
  return body;
}

export function requireLocation(body: Json): string {
  const location = asString(body.location);
  if (!location) {
    throw new ArmError(400, 'LocationRequired', "The 'location' property is required.", {
      target: 'location',
    });
  }
  return normalizeRegion(location);
}

/** The `$expand` a GET asked for: undefined, or `allowed` (any case); anything else is refused. */
export function expandOf(request: ArmRequest, allowed: string): string | undefined {
  if (request.expand !== undefined && request.expand.toLowerCase() !== allowed.toLowerCase()) {
    throw new ArmError(400, 'InvalidParameter', `'$expand' must be '${allowed}', got '${request.expand}'.`, {
      target: '$expand',
    });
  }
  return request.expand;
}

export function normalizeRegion(region: string): string {
  return region.replace(/\s+/g, '').toLowerCase();
}

export function notFound(type: string, id: string): ArmError {
  const parsed = parseComputeId(id);
  const names = parsed?.names.join('/') ?? id;
  return new ArmError(
    404,
    'ResourceNotFound',
    `The Resource '${type}/${names}' under resource group '${parsed?.resourceGroup ?? ''}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function parentNotFound(collectionId: string): ArmError {
  const name = parseComputeId(collectionId)?.names[0] ?? collectionId;
  return new ArmError(
    404,
    'ParentResourceNotFound',
    `Can not perform requested operation on nested resource. Parent resource '${name}' not found.`,
  );
}
