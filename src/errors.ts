/** rpcopy's errors. Messages name ids and regions, never secrets. */

/** Base class for every error rpcopy raises on purpose. */
export class RestorePointCopyError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'RestorePointCopyError';
  }
}

/** Thrown by `loadConfig` when one or more settings are missing or invalid; lists every problem. */
export class ConfigError extends RestorePointCopyError {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n- ${problems.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

/** The HTTP statuses of the errors a handler raises on purpose. */
export type ApiErrorStatus = 400 | 403 | 404 | 409 | 413;

/**
 * An error a handler raises on purpose; the HTTP layer answers `statusCode` with
 * `{ error: { code, message } }`. Throw one of the subclasses, which name the status.
 */
export abstract class ApiError extends RestorePointCopyError {
  abstract readonly statusCode: ApiErrorStatus;

  constructor(
    /** The documented API error code, e.g. `InvalidRequest`. */
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request does not satisfy the contract. */
export class BadRequestError extends ApiError {
  readonly statusCode = 400;
}

/** 403: the request is valid but rpcopy may not act on it. */
export class ForbiddenError extends ApiError {
  readonly statusCode = 403;
}

/** 404: the named resource does not exist. */
export class NotFoundError extends ApiError {
  readonly statusCode = 404;
}

/** 409: the request conflicts with the state of Azure or of rpcopy's copies. */
export class ConflictError extends ApiError {
  readonly statusCode = 409;
}

/** 413: the request body is larger than the API takes. */
export class PayloadTooLargeError extends ApiError {
  readonly statusCode = 413;
}

export interface AzureRequestErrorOptions extends ErrorOptions {
  /** The HTTP status ARM answered; undefined when no answer came (a dropped connection, a timeout). */
  statusCode?: number | undefined;
  /** ARM's error code (`error.code` of the body), when it gave one. */
  code?: string | undefined;
  /** From `Retry-After` (or `retry-after-ms`), in seconds. */
  retryAfterSeconds?: number | undefined;
}

/**
 * Thrown by the Compute adapter for every failed ARM call, with what callers decide on: the HTTP status,
 * ARM's error code and any `Retry-After`.
 */
export class AzureRequestError extends RestorePointCopyError {
  readonly statusCode: number | undefined;
  readonly code: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: AzureRequestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AzureRequestError';
    this.statusCode = options.statusCode;
    this.code = options.code;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** Worth trying again: no answer at all, a timeout (408) or a server error (5xx). Throttling (429) is not. */
  get isTransient(): boolean {
    return this.statusCode === undefined || this.statusCode === 408 || this.statusCode >= 500;
  }
}

/**
 * Thrown by activities for failures worth retrying (408, 5xx, network): `callActivityWithRetry` retries them.
 */
export class TransientAzureError extends RestorePointCopyError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientAzureError';
  }
}

/** Turns anything thrown into an `Error`. */
export function ensureError(value: unknown): Error {
  if (value instanceof Error) {
    return value;
  }
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    text = String(value);
  }
  return new Error(text);
}
