'use strict';
// continueAsNew with events that arrive before, during and after the generation change.
const df = require('durable-functions');

// gen 0 waits for 'a' then continues as new; gen 1 races 'b' against a one-hour timer.
df.app.orchestration('eternal', function* (context) {
  const { gen } = context.df.getInput();
  if (gen === 0) {
    yield context.df.waitForExternalEvent('a');
    context.df.continueAsNew({ gen: 1 });
    return undefined;
  }
  const b = context.df.waitForExternalEvent('b');
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const winner = yield context.df.Task.any([b, timer]);
  if (winner === b) timer.cancel();
  return winner === b ? 'got b' : 'no b';
});

// Counts to 3, one 'go' event per generation.
df.app.orchestration('counter', function* (context) {
  const n = context.df.getInput();
  if (n >= 3) return n;
  yield context.df.waitForExternalEvent('go');
  context.df.continueAsNew(n + 1);
  return undefined;
});

df.app.orchestration('spinner', function* (context) {
  context.df.continueAsNew((context.df.getInput() || 0) + 1);
  return undefined;
});

// gen 0 continues as new after an event, leaving its losing timer un-cancelled.
df.app.orchestration('lingering', function* (context) {
  const { gen } = context.df.getInput();
  if (gen > 0) return `generation ${gen}`;
  const event = context.df.waitForExternalEvent('go');
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  yield context.df.Task.any([event, timer]);
  context.df.continueAsNew({ gen: gen + 1 });
  return undefined;
});
