import { AzureRequestError } from '../errors';
import type { ComputeGateway } from './computeGateway';

/** The reads a request handler makes while its caller waits. */
export type ComputeReads = Pick<ComputeGateway, 'getRestorePoint' | 'getRestorePointCollection'>;

export interface BoundedRetryOptions {
  /** Tries after the first. */
  retries: number;
  /** The backoff before the first retry; doubled for each later one, with full jitter. */
  baseDelayMs: number;
  /** The longest `Retry-After` worth waiting for while a caller waits; a longer one is answered at once. */
  maxRetryAfterMs: number;
  sleep: (ms: number) => Promise<void>;
  /** In [0, 1). */
  random: () => number;
}

export const DEFAULT_BOUNDED_RETRY: BoundedRetryOptions = {
  retries: 3,
  baseDelayMs: 200,
  maxRetryAfterMs: 5_000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: Math.random,
};

/** How long to wait before trying again, or undefined when the failure is not worth another try now. */
function retryDelayMs(error: unknown, attempt: number, options: BoundedRetryOptions): number | undefined {
  if (!(error instanceof AzureRequestError)) {
    return undefined;
  }
  const backoff = options.random() * options.baseDelayMs * 2 ** attempt;
  if (error.statusCode === 429) {
    const retryAfterMs = (error.retryAfterSeconds ?? Number.POSITIVE_INFINITY) * 1000;
    return retryAfterMs <= options.maxRetryAfterMs ? retryAfterMs + backoff : undefined;
  }
  if (!error.isTransient) {
    return undefined;
  }
  return error.retryAfterSeconds === undefined
    ? backoff
    : Math.min(error.retryAfterSeconds * 1000, options.maxRetryAfterMs) + backoff;
}

/** Waits before the next try, or rethrows `error` when there is none to make (out of tries, or not worth one). */
async function waitToRetry(error: unknown, attempt: number, options: BoundedRetryOptions): Promise<void> {
  const delay = attempt < options.retries ? retryDelayMs(error, attempt, options) : undefined;
  if (delay === undefined) {
    throw error;
  }
  await options.sleep(delay);
}

async function withRetries<T>(call: () => Promise<T>, options: BoundedRetryOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      await waitToRetry(error, attempt, options);
    }
  }
}

/**
 * The Compute reads with a few retries of transient failures (no answer, 408, 5xx) and of short throttling,
 * jittered and honouring `Retry-After`, for request handlers: one dropped connection must not fail a request.
 *
 * @remarks Only for callers that answer a waiting client. Activities keep the SDK's retries off and leave
 * retrying to the orchestrator, which waits on durable timers instead of sleeping.
 */
export function withBoundedRetries(
  compute: ComputeReads,
  options: BoundedRetryOptions = DEFAULT_BOUNDED_RETRY,
): ComputeReads {
  return {
    getRestorePoint: (ref, readOptions) =>
      withRetries(() => compute.getRestorePoint(ref, readOptions), options),
    getRestorePointCollection: (ref, readOptions) =>
      withRetries(() => compute.getRestorePointCollection(ref, readOptions), options),
  };
}

/**
 * Lists with the same retries: a listing that fails part-way is read again from the start and the items
 * already handed out are skipped (ARM lists a subscription's collections in a stable order), so the caller
 * sees each collection once.
 */
async function* listWithRetries<T>(
  list: () => AsyncIterable<T>,
  options: BoundedRetryOptions,
): AsyncIterable<T> {
  let delivered = 0;
  for (let attempt = 0; ; attempt++) {
    let seen = 0;
    try {
      for await (const item of list()) {
        seen += 1;
        if (seen > delivered) {
          delivered = seen;
          yield item;
        }
      }
      return;
    } catch (error) {
      await waitToRetry(error, attempt, options);
    }
  }
}

/**
 * The whole gateway for a request handler: every read (list included) retried as {@link withBoundedRetries}
 * does, writes passed through untouched (a PUT or DELETE that may have landed is not blindly sent again).
 */
export function gatewayWithBoundedRetries(
  compute: ComputeGateway,
  options: BoundedRetryOptions = DEFAULT_BOUNDED_RETRY,
): ComputeGateway {
  return {
    ...withBoundedRetries(compute, options),
    listRestorePointCollections: (subscriptionId, listOptions) =>
      listWithRetries(() => compute.listRestorePointCollections(subscriptionId, listOptions), options),
    createOrUpdateRestorePointCollection: (ref, createOptions) =>
      compute.createOrUpdateRestorePointCollection(ref, createOptions),
    beginCopyRestorePoint: (target, sourceRestorePointId, copyOptions) =>
      compute.beginCopyRestorePoint(target, sourceRestorePointId, copyOptions),
    beginDeleteRestorePoint: (ref, deleteOptions) => compute.beginDeleteRestorePoint(ref, deleteOptions),
    serverNow: () => compute.serverNow?.(),
  };
}
