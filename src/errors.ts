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

/** Thrown when a request or event does not satisfy the contract; `code` is the API error code. */
export class ValidationError extends RestorePointCopyError {
  constructor(
    readonly code: string,
    message: string,
    readonly status: 400 | 403 | 404 | 409 = 400,
  ) {
    super(message);
    this.name = 'ValidationError';
  }
}

/** Thrown when the source restore point named by a request does not exist. */
export class SourceNotFoundError extends ValidationError {
  constructor(readonly sourceRestorePointId: string) {
    super('SourceNotFound', `Restore point ${sourceRestorePointId} does not exist.`, 404);
    this.name = 'SourceNotFoundError';
  }
}

/**
 * Thrown by the Compute adapter for every failed ARM call, with what the orchestrator needs to decide: the
 * HTTP status, ARM's error code and any `Retry-After`.
 */
export class AzureRequestError extends RestorePointCopyError {
  constructor(
    message: string,
    readonly statusCode: number | undefined,
    readonly code: string | undefined,
    readonly retryAfterSeconds: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'AzureRequestError';
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
