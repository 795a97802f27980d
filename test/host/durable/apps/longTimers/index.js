'use strict';
// A single long durable timer, which the Azure Storage provider splits into shorter ones.
const df = require('durable-functions');

// input: { days }
df.app.orchestration('sleeper', function* (context) {
  const { days } = context.df.getInput();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + days * 86_400_000));
  return context.df.currentUtcDateTime.toISOString();
});
