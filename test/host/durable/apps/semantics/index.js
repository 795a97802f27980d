'use strict';
// Orchestrations for the engine-semantics tests that have no scenario app of their own
// (durable-host-protocol.md §8.2): external events, suspend/resume, custom status, failures, status and
// listing, virtual time. A test can steer `shifty` through globalThis.__durableTestHooks.
const df = require('durable-functions');

const hooks = () => globalThis.__durableTestHooks || {};

df.app.orchestration('waiter', function* (context) {
  const value = yield context.df.waitForExternalEvent('go');
  return { value };
});

df.app.orchestration('falsy', function* (context) {
  const results = [];
  for (const value of [0, false, '', null]) {
    results.push(yield context.df.callActivity('Echo', value));
  }
  return results;
});

df.app.activity('Echo', { handler: async (input) => input });

df.app.orchestration('shifty', function* (context) {
  yield context.df.callActivity(hooks().renamed ? 'Other' : 'Echo', 1);
  yield context.df.waitForExternalEvent('go');
  return 'done';
});

df.app.activity('Other', { handler: async () => 'other' });

df.app.orchestration('statusKeeper', function* (context) {
  context.df.setCustomStatus({ stage: 1 });
  yield context.df.waitForExternalEvent('go');
  context.df.setCustomStatus(null);
  yield context.df.waitForExternalEvent('go');
  return 'done';
});

df.app.orchestration('unknownActivity', function* (context) {
  return yield context.df.callActivity('NoSuchActivity', 1);
});

df.app.orchestration('quick', function* (context) {
  return context.df.getInput();
});

// input: { days, everyHours } — wakes up every `everyHours` hours for `days` days.
df.app.orchestration('ticker', function* (context) {
  const { days, everyHours } = context.df.getInput();
  const end = context.df.currentUtcDateTime.getTime() + days * 86_400_000;
  let ticks = 0;
  while (context.df.currentUtcDateTime.getTime() < end) {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + everyHours * 3_600_000));
    ticks += 1;
  }
  return { ticks, at: context.df.currentUtcDateTime.toISOString() };
});

df.app.orchestration('approval', function* (context) {
  return yield context.df.waitForExternalEvent('Approval');
});

df.app.orchestration('twoApprovals', function* (context) {
  yield context.df.callActivity('Echo', 0);
  const first = yield context.df.waitForExternalEvent('Approval');
  const second = yield context.df.waitForExternalEvent('Approval');
  return [first, second];
});
