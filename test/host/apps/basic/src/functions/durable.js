const { app } = require('@azure/functions');
const df = require('durable-functions');

df.app.orchestration('chain', function* (context) {
  const input = context.df.getInput();
  const first = yield context.df.callActivity('echo', input);
  const second = yield context.df.callActivity('echo', `${first}!`);
  return second;
});

df.app.orchestration('fails', function* () {
  yield context_never_defined; // eslint-disable-line no-undef
});

df.app.activity('echo', { handler: (input) => input });

df.app.activity('falsy', {
  handler: (kind) => ({ zero: 0, false: false, empty: '', null: null, undefined: undefined })[kind],
});

df.app.activity('boom', {
  handler: () => {
    throw new RangeError('activity went boom');
  },
});

app.http('startChain', {
  route: 'start/{name}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const instanceId = await client.startNew(request.params.name, { input: await request.text() });
    return client.createCheckStatusResponse(request, instanceId);
  },
});
