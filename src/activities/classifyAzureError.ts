import type { CopyError } from '../domain/copyDocument';
import { copyError } from '../domain/copyDocument';
import type { Failed, Throttled } from '../domain/copyContracts';
import { AzureRequestError, TransientAzureError, ensureError } from '../errors';

/** How long to wait after a 429 that carried no `Retry-After`. */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

export type AzureFailure =
  Throttled | Failed | { kind: 'conflict'; error: CopyError } | { kind: 'not-found'; error: CopyError };

/**
 * Sorts a failed ARM call into what the orchestrator acts on.
 *
 * @remarks 429 becomes data (the orchestrator waits out `Retry-After` on a durable timer). 408, 5xx and
 * network failures are thrown as `TransientAzureError`, which the orchestrator retries on durable timers. 401/403 are `permission`,
 * 404 `not-found`, 400/409 a `conflict` the caller may explain further; everything else is `invalid`.
 *
 * @throws TransientAzureError for failures worth retrying.
 */
export function classifyAzureError(error: unknown): AzureFailure {
  if (!(error instanceof AzureRequestError)) {
    throw new TransientAzureError(ensureError(error).message, { cause: error });
  }
  const code = error.code ?? `Http${error.statusCode ?? 'NoResponse'}`;
  const status = error.statusCode;
  if (status === 429) {
    return { kind: 'throttled', retryAfterSeconds: error.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS };
  }
  if (error.isTransient) {
    throw new TransientAzureError(error.message, { cause: error });
  }
  if (status === 401 || status === 403) {
    return { kind: 'fail', error: copyError('permission', code, error.message) };
  }
  if (status === 404) {
    return { kind: 'not-found', error: copyError('not-found', code, error.message) };
  }
  if (status === 400 || status === 409) {
    return { kind: 'conflict', error: copyError('invalid', code, error.message) };
  }
  return { kind: 'fail', error: copyError('invalid', code, error.message) };
}

/** The same, for callers that treat a conflict or a 404 as any other terminal failure. */
export function classifyAsTerminal(error: unknown): Throttled | Failed {
  const failure = classifyAzureError(error);
  return failure.kind === 'conflict' || failure.kind === 'not-found'
    ? { kind: 'fail', error: failure.error }
    : failure;
}
