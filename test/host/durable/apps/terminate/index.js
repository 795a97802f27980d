'use strict';
// An instance that waits for an event that never comes, to be terminated.
const df = require('durable-functions');

df.app.orchestration('waiter', function* (context) {
  const value = yield context.df.waitForExternalEvent('go');
  return { value };
});
