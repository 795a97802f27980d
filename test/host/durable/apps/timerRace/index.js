'use strict';
// An external event raced against a one-hour timer; the loser timer is cancelled or left to fire.
const df = require('durable-functions');

// input: { cancel }
df.app.orchestration('raceTimer', function* (context) {
  const { cancel } = context.df.getInput();
  const event = context.df.waitForExternalEvent('Approval');
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const winner = yield context.df.Task.any([event, timer]);
  if (winner === event && cancel) timer.cancel();
  return winner === event ? 'event' : 'timer';
});
