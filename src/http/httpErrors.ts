import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { DurableClient } from 'durable-functions';

import { ApiError, AzureRequestError, ConfigError, ensureError } from '../errors';

/** Every 4xx/5xx body rpcopy sends. */
export interface ErrorBody {
  error: { code: string; message: string };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): HttpResponseInit {
  return {
    status,
    jsonBody: { error: { code, message } } satisfies ErrorBody,
    ...(headers ? { headers } : {}),
  };
}

/** Turns anything a handler threw into the documented error response; bad input never becomes a 500. */
export function toErrorResponse(error: unknown, context: InvocationContext): HttpResponseInit {
  if (error instanceof ApiError) {
    return errorResponse(error.statusCode, error.code, error.message);
  }
  if (error instanceof ConfigError) {
    context.error(error.message);
    return errorResponse(
      503,
      'ConfigurationError',
      `rpcopy is not configured correctly: ${error.problems.join('; ')}`,
    );
  }
  if (error instanceof AzureRequestError) {
    context.warn(error.message);
    if (error.statusCode === 401 || error.statusCode === 403) {
      return errorResponse(403, 'AzurePermissionDenied', `Azure refused rpcopy's identity: ${error.message}`);
    }
    if (error.statusCode === 429) {
      return errorResponse(503, 'AzureThrottled', `Azure throttled the request: ${error.message}`, {
        'Retry-After': String(error.retryAfterSeconds ?? 60),
      });
    }
    return errorResponse(502, 'AzureUnavailable', `Azure Resource Manager failed: ${error.message}`);
  }
  const unexpected = ensureError(error);
  context.error(`Unexpected failure: ${unexpected.stack ?? unexpected.message}`);
  return errorResponse(500, 'InternalError', 'rpcopy failed unexpectedly; see the function app logs.');
}

/**
 * Wraps a Durable client HTTP handler so that every error becomes the documented `{ error: { code, message } }`
 * answer (an {@link ApiError}'s status, 503 for configuration, 500 logged otherwise), never an unhandled throw.
 */
export function answeringErrors(
  handler: (
    request: HttpRequest,
    client: DurableClient,
    context: InvocationContext,
  ) => Promise<HttpResponseInit>,
): (request: HttpRequest, client: DurableClient, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, client, context) => {
    try {
      return await handler(request, client, context);
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}
