import { describe, expect, it } from 'vitest';

import { classifyAzureError } from '../../../src/activities/classifyAzureError';
import { SUGGESTIONS } from '../../../src/domain/copyDocument';
import { AzureRequestError, TransientAzureError } from '../../../src/errors';

const azure = (status: number | undefined, code?: string, retryAfter?: number): AzureRequestError =>
  new AzureRequestError(`call failed: ${status ?? 'no response'}`, {
    statusCode: status,
    code,
    retryAfterSeconds: retryAfter,
  });

describe('classifyAzureError', () => {
  it.each([
    { status: 429, retryAfter: 1200, expected: { kind: 'throttled', retryAfterSeconds: 1200 } },
    { status: 429, retryAfter: undefined, expected: { kind: 'throttled', retryAfterSeconds: 60 } },
    {
      status: 403,
      code: 'AuthorizationFailed',
      expected: {
        kind: 'fail',
        error: {
          category: 'permission',
          code: 'AuthorizationFailed',
          message: 'call failed: 403',
          suggestion: SUGGESTIONS.permission,
        },
      },
    },
    {
      status: 404,
      code: 'ResourceNotFound',
      expected: {
        kind: 'not-found',
        error: {
          category: 'not-found',
          code: 'ResourceNotFound',
          message: 'call failed: 404',
          suggestion: SUGGESTIONS['not-found'],
        },
      },
    },
    {
      status: 409,
      code: 'Conflict',
      expected: {
        kind: 'conflict',
        error: {
          category: 'invalid',
          code: 'Conflict',
          message: 'call failed: 409',
          suggestion: SUGGESTIONS.invalid,
        },
      },
    },
    {
      status: 422,
      expected: {
        kind: 'fail',
        error: {
          category: 'invalid',
          code: 'Http422',
          message: 'call failed: 422',
          suggestion: SUGGESTIONS.invalid,
        },
      },
    },
  ])('classifies $status as $expected.kind', ({ status, code, retryAfter, expected }) => {
    expect(classifyAzureError(azure(status, code, retryAfter))).toEqual(expected);
  });

  it.each([{ status: 408 }, { status: 500 }, { status: 503 }, { status: undefined }])(
    'throws $status as transient so the activity is retried',
    ({ status }) => {
      expect(() => classifyAzureError(azure(status))).toThrow(TransientAzureError);
    },
  );

  it('treats an unknown thrown value as transient', () => {
    expect(() => classifyAzureError(new Error('socket hang up'))).toThrow(TransientAzureError);
  });
});
