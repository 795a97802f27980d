const { app } = require('@azure/functions');

const received = [];
globalThis.__eventGridSampleReceived = received;

app.eventGrid('onResourceEvent', {
  handler: (event, context) => {
    if (event.subject === 'explode') throw new Error('handler refused the event');
    received.push({
      fn: context.functionName,
      id: event.id,
      type: event.eventType ?? event.type,
      subject: event.subject,
    });
  },
});

app.timer('notAnEventGridFunction', { schedule: '0 0 0 1 1 *', handler: () => undefined });
