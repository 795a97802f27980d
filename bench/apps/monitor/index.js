'use strict';
// A monitor like rpcopy's copy orchestration: poll, wait on a durable timer, trim history with
// continueAsNew every `perGeneration` polls, until `polls` polls have been made.
const df = require('durable-functions');

df.app.orchestration('monitor', function* (context) {
  const input = context.df.getInput();
  for (let i = 0; i < input.perGeneration && input.done < input.polls; i++) {
    yield context.df.callActivity('look', input.done);
    input.done++;
    const next = new Date(context.df.currentUtcDateTime.getTime() + input.intervalMs);
    yield context.df.createTimer(next);
  }
  if (input.done < input.polls) {
    context.df.continueAsNew(input);
    return undefined;
  }
  return input.done;
});

df.app.activity('look', { handler: (n) => n });
