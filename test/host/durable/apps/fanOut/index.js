'use strict';
// Fan-out/fan-in where one branch fails. A test holds the slow branches through
// globalThis.__durableTestHooks.gate to control completion order.
const df = require('durable-functions');

async function gate(name, input) {
  const hook = (globalThis.__durableTestHooks || {}).gate;
  if (hook) await hook(name, input);
}

df.app.orchestration('fanOutFailing', function* (context) {
  const tasks = [
    context.df.callActivity('Slow', 'a'),
    context.df.callActivity('Explode', 'b'),
    context.df.callActivity('Slow', 'c'),
  ];
  try {
    yield context.df.Task.all(tasks);
    return 'all ok';
  } catch (error) {
    const cleaned = yield context.df.callActivity('Cleanup', error.message.split(' \n ')[0]);
    return { cleaned, results: tasks.map((t) => (t.isFaulted ? 'failed' : t.result)) };
  }
});

df.app.activity('Slow', {
  handler: async (input) => {
    await gate('Slow', input);
    return `slow ${input}`;
  },
});

df.app.activity('Explode', {
  handler: async (input) => {
    throw new Error(`exploded on ${input}`);
  },
});

df.app.activity('Cleanup', { handler: async (input) => `cleaned after: ${input}` });
