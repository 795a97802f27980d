const { app } = require('@azure/functions');
const df = require('durable-functions');

app.http('startOrchestration', {
  route: 'orchestrators/{orchestratorName}/{instanceId?}',
  methods: ['POST'],
  authLevel: 'function',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const body = await request.text();
    const instanceId = await client.startNew(request.params.orchestratorName, {
      instanceId: request.params.instanceId,
      input: body ? JSON.parse(body) : undefined,
    });
    context.log(`Started orchestration with ID = '${instanceId}'.`);
    return client.createCheckStatusResponse(request, instanceId);
  },
});

app.http('startAndWait', {
  route: 'run/{orchestratorName}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const instanceId = await client.startNew(request.params.orchestratorName);
    return client.waitForCompletionOrCreateCheckStatusResponse(request, instanceId, {
      timeoutInMilliseconds: 5000,
      retryIntervalInMilliseconds: 20,
    });
  },
});
