import * as df from 'durable-functions';

import { withBoundedRetries } from '../azure/boundedRetries';
import { durableInstancePages } from '../azure/instancePages';
import { getRuntime } from '../compositionRoot';
import { cancelCopyHandler, getCopyHandler, startCopiesHandler } from '../http/copiesApi';
import { listCopiesHandler } from '../http/listCopies';
import { answeringErrors } from '../http/httpErrors';

df.app.client.http('startCopyHttp', {
  route: 'copies',
  methods: ['POST'],
  authLevel: 'function',
  handler: answeringErrors((request, client) => {
    const { config, compute } = getRuntime();
    // A caller waits on this answer: a dropped connection or a brief ARM error is retried here, not answered 502.
    return startCopiesHandler(request, {
      client,
      config,
      compute: withBoundedRetries(compute),
      now: new Date(),
    });
  }),
});

df.app.client.http('listCopiesHttp', {
  route: 'copies',
  methods: ['GET'],
  authLevel: 'function',
  handler: answeringErrors((request, client) =>
    listCopiesHandler(request, { pages: durableInstancePages(client), reader: client }, getRuntime().config),
  ),
});

df.app.client.http('getCopyHttp', {
  route: 'copies/{id}',
  methods: ['GET'],
  authLevel: 'function',
  handler: answeringErrors(getCopyHandler),
});

df.app.client.http('cancelCopyHttp', {
  route: 'copies/{id}/cancel',
  methods: ['POST'],
  authLevel: 'function',
  handler: answeringErrors(cancelCopyHandler),
});
