import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';

import { getRuntime } from '../compositionRoot';
import {
  cancelCopyHandler,
  getCopyHandler,
  listCopiesHandler,
  startCopiesHandler,
  toErrorResponse,
} from '../http/copiesApi';

type Handler = (request: HttpRequest, client: DurableClient) => Promise<HttpResponseInit>;

function guarded(handler: Handler) {
  return async (
    request: HttpRequest,
    client: DurableClient,
    context: InvocationContext,
  ): Promise<HttpResponseInit> => {
    try {
      return await handler(request, client);
    } catch (error) {
      return toErrorResponse(error, context);
    }
  };
}

df.app.client.http('startCopyHttp', {
  route: 'copies',
  methods: ['POST'],
  authLevel: 'function',
  handler: guarded((request, client) => startCopiesHandler(request, client, getRuntime(), new Date())),
});

df.app.client.http('listCopiesHttp', {
  route: 'copies',
  methods: ['GET'],
  authLevel: 'function',
  handler: guarded(listCopiesHandler),
});

df.app.client.http('getCopyHttp', {
  route: 'copies/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: guarded(getCopyHandler),
});

df.app.client.http('cancelCopyHttp', {
  route: 'copies/{id}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  handler: guarded(cancelCopyHandler),
});
