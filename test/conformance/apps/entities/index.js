'use strict';
// The official Durable Entities samples for Node (v4 model), recorded on the real extension: the Counter
// entity with an orchestration that calls it, and the critical-section (lock) pattern over two accounts.
const df = require('durable-functions');

// The Counter sample: add, reset, get.
function counter(context) {
  const currentValue = context.df.getState(() => 0);
  switch (context.df.operationName) {
    case 'add':
      context.df.setState(currentValue + context.df.getInput());
      break;
    case 'reset':
      context.df.setState(0);
      break;
    case 'get':
      context.df.return(currentValue);
      break;
    case 'delete':
      context.df.destructOnExit();
      break;
    case 'fail':
      throw new Error(`counter refuses: ${String(context.df.getInput())}`);
  }
}

df.app.entity('Counter', counter);
// An account is a counter of money; a separate name so the two samples' entities stay apart.
df.app.entity('Account', counter);

// The sample's counterOrchestration: a two-way call, then a one-way signal.
df.app.orchestration('counterOrchestration', function* (context) {
  const entityId = new df.EntityId('Counter', context.df.getInput());
  const currentValue = yield context.df.callEntity(entityId, 'get');
  if (currentValue < 10) {
    context.df.signalEntity(entityId, 'add', 1);
  }
  let failure = null;
  try {
    yield context.df.callEntity(entityId, 'fail', 'on purpose');
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error);
  }
  return { currentValue, failure };
});

// The critical-section sample: a transfer between two accounts that nothing can interleave with.
df.app.orchestration('transferFunds', function* (context) {
  const { from, to, amount } = context.df.getInput();
  const source = new df.EntityId('Account', from);
  const destination = new df.EntityId('Account', to);
  const lock = yield context.df.lock(source, destination);
  try {
    const held = context.df.isLocked();
    const balance = yield context.df.callEntity(source, 'get');
    if (balance < amount) {
      return { transferred: false, balance, locked: held.isLocked, owned: held.ownedLocks.map(String) };
    }
    // One after the other, as the sample does: the order of two parallel replies would follow latency.
    yield context.df.callEntity(source, 'add', -amount);
    yield context.df.callEntity(destination, 'add', amount);
    return {
      transferred: true,
      balance: balance - amount,
      locked: held.isLocked,
      owned: held.ownedLocks.map(String),
    };
  } finally {
    lock.release();
  }
});
