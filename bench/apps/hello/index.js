'use strict';
// The smallest durable app on the same two packages: the floor a cold start cannot go below.
const { app } = require('@azure/functions');
const df = require('durable-functions');

df.app.orchestration('hello', function* (context) {
  return yield context.df.callActivity('greet', context.df.getInput());
});
df.app.activity('greet', { handler: (name) => `Hello, ${String(name)}` });
app.http('start', {
  route: 'hello',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const id = await client.startNew('hello', { input: 'world' });
    return client.createCheckStatusResponse(request, id);
  },
});
