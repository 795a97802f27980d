'use strict';
// Orchestrations for the engine-semantics tests (durable-host-protocol.md §8.2). Activities can be
// steered by a test through globalThis.__durableTestHooks.
const df = require('durable-functions');

const hooks = () => globalThis.__durableTestHooks || {};

async function gate(name, input) {
  const hook = hooks().gate;
  if (hook) await hook(name, input);
}

const attempts = new Map();

function retryOptions(input) {
  const options = new df.RetryOptions(input.first, input.attempts);
  if (input.backoff !== undefined) options.backoffCoefficient = input.backoff;
  if (input.maxInterval !== undefined) options.maxRetryIntervalInMilliseconds = input.maxInterval;
  if (input.timeout !== undefined) options.retryTimeoutInMilliseconds = input.timeout;
  return options;
}

// input: { key, failures, first, attempts, backoff?, maxInterval?, timeout? }
df.app.orchestration('retrying', function* (context) {
  const input = context.df.getInput();
  try {
    return yield context.df.callActivityWithRetry('FailTimes', retryOptions(input), {
      key: input.key,
      failures: input.failures,
    });
  } catch (error) {
    return `gave up: ${error.message.split(' \n ')[0]}`;
  }
});

df.app.activity('FailTimes', {
  handler: async (input) => {
    const count = (attempts.get(input.key) || 0) + 1;
    attempts.set(input.key, count);
    if (count <= input.failures) throw new Error(`attempt ${count} failed`);
    return `succeeded on attempt ${count}`;
  },
});

// input: { days }
df.app.orchestration('sleeper', function* (context) {
  const { days } = context.df.getInput();
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + days * 86_400_000));
  return context.df.currentUtcDateTime.toISOString();
});

// input: { cancel }
df.app.orchestration('raceTimer', function* (context) {
  const { cancel } = context.df.getInput();
  const event = context.df.waitForExternalEvent('Approval');
  const timer = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const winner = yield context.df.Task.any([event, timer]);
  if (winner === event && cancel) timer.cancel();
  return winner === event ? 'event' : 'timer';
});

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

// Counts to `until`, one 'go' event per generation.
df.app.orchestration('counter', function* (context) {
  const n = context.df.getInput();
  if (n >= 3) return n;
  yield context.df.waitForExternalEvent('go');
  context.df.continueAsNew(n + 1);
  return undefined;
});

df.app.orchestration('parent', function* (context) {
  const child = yield context.df.callSubOrchestrator('child', 'hello');
  let failure;
  try {
    yield context.df.callSubOrchestrator('failingChild', null, `${context.df.instanceId}:failing`);
  } catch (error) {
    failure = error.message;
  }
  return { child, failure };
});

df.app.orchestration('child', function* (context) {
  return { input: context.df.getInput(), parent: context.df.parentInstanceId, self: context.df.instanceId };
});

df.app.orchestration('failingChild', function* () {
  throw new Error('child broke');
});

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

// input: { days, every } — wakes up every `every` hours for `days` days.
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
