const { app } = require('@azure/functions');

const fired = [];
globalThis.__timerSampleFired = fired;

app.timer('everyFiveMinutes', {
  schedule: '0 */5 * * * *',
  handler: (timer, context) => {
    fired.push({ fn: context.functionName, timer });
  },
});

app.timer('nightly', {
  schedule: '%TIMER_SAMPLE_NIGHTLY%',
  handler: (timer, context) => {
    fired.push({ fn: context.functionName, timer });
  },
});

app.timer('onStartup', {
  schedule: '1.00:00:00',
  runOnStartup: true,
  handler: (timer, context) => {
    fired.push({ fn: context.functionName, timer });
  },
});

app.timer('failing', {
  schedule: '0 0 0 1 1 *',
  handler: () => {
    throw new Error('timer handler failed');
  },
});
