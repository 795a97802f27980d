const { app } = require('@azure/functions');

function echo(request) {
  return {
    jsonBody: {
      method: request.method,
      params: request.params,
      query: Object.fromEntries(request.query.entries()),
      custom: request.headers.get('x-custom'),
    },
  };
}

app.http('anonymousHello', {
  route: 'hello',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => ({ body: 'hello' }),
});

app.http('defaultRoute', { authLevel: 'anonymous', handler: echo });

app.http('getItem', {
  route: 'items/{id:int}',
  methods: ['GET', 'DELETE'],
  authLevel: 'function',
  handler: echo,
});

app.http('getItemByName', {
  route: 'items/{name:alpha}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: echo,
});

app.http('itemsNew', {
  route: 'items/new',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => ({ body: 'literal wins' }),
});

app.http('files', { route: 'files/{*path}', methods: ['GET'], authLevel: 'anonymous', handler: echo });

app.http('optional', { route: 'opt/{name?}', methods: ['GET'], authLevel: 'anonymous', handler: echo });

app.http('adminOnly', {
  route: 'secret',
  methods: ['GET'],
  authLevel: 'admin',
  handler: () => ({ body: 'secret' }),
});

app.http('create', {
  route: 'things',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: async (request) => ({
    status: 201,
    jsonBody: { received: await request.json() },
    headers: { 'x-thing': 'made', location: '/v1/things/1' },
    cookies: [{ name: 'session', value: 'abc', path: '/', httpOnly: true, sameSite: 'Strict', maxAge: 60 }],
  }),
});

app.http('throws', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: () => {
    throw new Error('kaput');
  },
});

app.http('returnsNothing', { methods: ['GET'], authLevel: 'anonymous', handler: () => undefined });

app.http('whoami', {
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: (request) => ({ body: request.url }),
});
