'use strict';
// Five steps with a short durable timer in the middle. Each step appends a line to $CRASH_LOG (its
// side effect) and then takes a little real time, so a SIGKILL can land mid-activity.
const fs = require('node:fs');
const df = require('durable-functions');

df.app.orchestration('crashy', function* (context) {
  const results = [];
  for (let step = 0; step < 5; step++) {
    results.push(yield context.df.callActivity('Step', step));
    if (step === 2) {
      yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 300));
    }
  }
  return results;
});

df.app.activity('Step', {
  handler: async (step, context) => {
    fs.appendFileSync(process.env.CRASH_LOG, `step ${step}\n`);
    await new Promise((resolve) => setTimeout(resolve, 60));
    return `step ${step} by ${context.invocationId ? 'worker' : 'unknown'}`;
  },
});
