'use strict';
// Instances to purge: some that complete at once, one that keeps waiting.
const df = require('durable-functions');

df.app.orchestration('quick', function* (context) {
  return context.df.getInput();
});

df.app.orchestration('waiter', function* (context) {
  return yield context.df.waitForExternalEvent('go');
});
