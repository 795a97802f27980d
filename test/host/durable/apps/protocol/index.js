'use strict';
// Orchestrators matching the scenarios of fixtures/durable/orchestrator-protocol-cases.json (see each
// case's note). Activities can be steered by a test through globalThis.__durableTestHooks.
const df = require('durable-functions');

const hooks = () => globalThis.__durableTestHooks || {};

async function gate(name, input) {
  const hook = hooks().gate;
  if (hook) await hook(name, input);
}

df.app.orchestration('chain', function* (context) {
  const a = yield context.df.callActivity('Hello', 'Tokyo');
  const b = yield context.df.callActivity('Hello', { city: 'Seattle' });
  return [a, b];
});

df.app.orchestration('fanOut', function* (context) {
  const tasks = ['a', 'b', 'c'].map((x) => context.df.callActivity('Work', x));
  return yield context.df.Task.all(tasks);
});

df.app.orchestration('retry', function* (context) {
  const options = new df.RetryOptions(5000, 2);
  options.backoffCoefficient = 2;
  try {
    return yield context.df.callActivityWithRetry('Flaky', options, 1);
  } catch (error) {
    return `caught: ${error.message}`;
  }
});

df.app.orchestration('monitor', function* (context) {
  const input = context.df.getInput();
  context.df.setCustomStatus(input);
  const ready = yield context.df.callActivity('Check', input.n);
  if (ready) return 'done';
  const next = new Date(context.df.currentUtcDateTime.getTime() + 60_000);
  yield context.df.createTimer(next);
  context.df.continueAsNew({ n: input.n + 1 });
  return undefined;
});

df.app.orchestration('longTimer', function* (context) {
  const fireAt = new Date(context.df.currentUtcDateTime.getTime() + 10 * 86_400_000);
  yield context.df.createTimer(fireAt);
  return 'woke';
});

df.app.orchestration('subAndEvent', function* (context) {
  const r = yield context.df.callSubOrchestrator('Child', { x: 1 }, `${context.df.instanceId}:child:0`);
  const e = yield context.df.waitForExternalEvent('Approval');
  return { r, e };
});

df.app.orchestration('Child', function* () {
  return { ok: true };
});

df.app.orchestration('race', function* (context) {
  const approval = context.df.waitForExternalEvent('Approval');
  const timeout = context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 3_600_000));
  const winner = yield context.df.Task.any([approval, timeout]);
  if (winner === approval) {
    timeout.cancel();
    return `approved:${approval.result}`;
  }
  return 'timed out';
});

df.app.orchestration('throws', function* (context) {
  yield context.df.callActivity('A');
  throw new Error('bad thing');
});

df.app.orchestration('entities', function* (context) {
  const entity = new df.EntityId('counter', 'k1');
  context.df.signalEntity(entity, 'add', 5);
  return yield context.df.callEntity(entity, 'get');
});

df.app.orchestration('callHttp', function* (context) {
  const response = yield context.df.callHttp({
    method: 'GET',
    url: 'https://example.org/status',
    headers: { a: 'b' },
  });
  return response.statusCode;
});

df.app.orchestration('r', function* (context) {
  const retry = new df.RetryOptions(1000, 3);
  yield context.df.Task.any([context.df.callActivityWithRetry('A', retry), context.df.callActivity('B')]);
  return yield context.df.callActivity('C');
});

df.app.activity('Hello', {
  handler: async (input) => {
    await gate('Hello', input);
    return `Hello ${typeof input === 'string' ? input : input.city}`;
  },
});

df.app.activity('Work', {
  handler: async (input) => {
    await gate('Work', input);
    return String(input).toUpperCase();
  },
});

let flakyCalls = 0;
class MyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'MyError';
  }
}
df.app.activity('Flaky', {
  handler: async (input) => {
    await gate('Flaky', input);
    flakyCalls += 1;
    throw new MyError(flakyCalls % 2 === 1 ? 'boom' : 'boom2');
  },
});

df.app.activity('Check', {
  handler: async (n) => {
    await gate('Check', n);
    return n >= 4;
  },
});

df.app.activity('A', {
  handler: async (input) => {
    await gate('A', input);
    if (hooks().aFails) throw new Error('x');
    return 1;
  },
});

df.app.activity('B', {
  handler: async (input) => {
    await gate('B', input);
    return 1;
  },
});

df.app.activity('C', {
  handler: async (input) => {
    await gate('C', input);
    return 'c';
  },
});
