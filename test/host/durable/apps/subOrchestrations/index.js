'use strict';
// A parent that calls one child that succeeds (default ID) and one that fails (explicit ID).
const df = require('durable-functions');

df.app.orchestration('parent', function* (context) {
  const child = yield context.df.callSubOrchestrator('child', 'hello');
  let failure;
  try {
    yield context.df.callSubOrchestrator('failingChild', null, `${context.df.instanceId}:failing`);
  } catch (error) {
    failure = error.message;
  }
  return { child, failure };
});

df.app.orchestration('child', function* (context) {
  return { input: context.df.getInput(), parent: context.df.parentInstanceId, self: context.df.instanceId };
});

df.app.orchestration('failingChild', function* () {
  throw new Error('child broke');
});
