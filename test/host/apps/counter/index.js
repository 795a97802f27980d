'use strict';
// The Counter entity of the Durable Functions entity samples (add / reset / get), the orchestration that
// calls and signals it, and an HTTP function that signals it through the client binding.
const df = require('durable-functions');
const { app } = require('@azure/functions');

df.app.entity('Counter', (context) => {
  const currentValue = context.df.getState(() => 0);
  switch (context.df.operationName) {
    case 'add': {
      const amount = context.df.getInput();
      context.df.setState(currentValue + amount);
      break;
    }
    case 'reset':
      context.df.setState(0);
      break;
    case 'get':
      context.df.return(currentValue);
      break;
    case 'fail':
      throw new Error(`counter refused: ${String(context.df.getInput())}`);
    case 'forward': {
      // An entity may signal another entity; the signal runs after this batch commits.
      const target = new df.EntityId('Counter', context.df.getInput());
      context.df.signalEntity(target, 'add', currentValue);
      break;
    }
    case 'delete':
      context.df.destructOnExit();
      break;
  }
});

// The sample's orchestration: read the counter, add one if it is below 10, read it again.
df.app.orchestration('counterOrchestration', function* (context) {
  const entityId = new df.EntityId('Counter', context.df.getInput());
  const before = yield context.df.callEntity(entityId, 'get');
  if (before < 10) {
    context.df.signalEntity(entityId, 'add', 1);
  }
  const after = yield context.df.callEntity(entityId, 'get');
  return { before, after };
});

// Sends operations in order; a call waits for everything this orchestration signalled before it.
df.app.orchestration('counterSequence', function* (context) {
  const entityId = new df.EntityId('Counter', context.df.getInput());
  context.df.signalEntity(entityId, 'reset');
  for (let i = 1; i <= 5; i++) {
    context.df.signalEntity(entityId, 'add', i);
  }
  const total = yield context.df.callEntity(entityId, 'get');
  let failure = null;
  try {
    yield context.df.callEntity(entityId, 'fail', 'no');
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  const stillThere = yield context.df.callEntity(entityId, 'get');
  return { total, failure, stillThere };
});

df.app.orchestration('callUnknownEntity', function* (context) {
  return yield context.df.callEntity(new df.EntityId('NoSuchEntity', 'k'), 'get');
});

app.http('signalCounter', {
  route: 'counter/{key}/{op}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: async (request, context) => {
    const client = df.getClient(context);
    const entityId = new df.EntityId('Counter', request.params.key);
    const body = await request.text();
    await client.signalEntity(entityId, request.params.op, body === '' ? undefined : JSON.parse(body));
    const state = await client.readEntityState(entityId);
    return { status: 202, jsonBody: state };
  },
});

// An entity function that does not answer with an OutOfProcResult: every operation of its batch fails.
app.generic('Broken', {
  trigger: df.trigger.entity(),
  handler: () => 'not a batch result',
});

df.app.orchestration('callBroken', function* (context) {
  try {
    return yield context.df.callEntity(new df.EntityId('Broken', 'k'), 'get');
  } catch (error) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }
});
