const { app } = require('@azure/functions');

const seen = [];

app.timer('tick', {
  schedule: '0 */5 * * * *',
  handler: (timer, context) => {
    seen.push({ fn: context.functionName, timer });
  },
});

app.eventGrid('onEvent', {
  handler: (event, context) => {
    seen.push({ fn: context.functionName, event });
  },
});

app.hook.appStart((context) => {
  context.hookData.started = true;
  seen.push({ appStart: true });
});

app.hook.preInvocation((context) => {
  context.hookData.before = context.invocationContext.functionName;
});

app.hook.postInvocation((context) => {
  seen.push({ post: context.hookData.before });
});

globalThis.__basicSampleSeen = seen;
