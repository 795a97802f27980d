'use strict';
// The critical-section pattern of the Durable Functions entity docs: a transfer locks both accounts,
// reads, waits, and writes, so no other transfer (or signal) can act on them in between.
const df = require('durable-functions');

df.app.entity('Account', (context) => {
  const state = context.df.getState(() => ({ balance: 0, log: [] }));
  const input = context.df.getInput();
  switch (context.df.operationName) {
    case 'get':
      state.log.push(`${input}:get`);
      context.df.setState(state);
      context.df.return(state.balance);
      break;
    case 'add':
      state.balance += input.amount;
      state.log.push(`${input.by}:add ${input.amount}`);
      context.df.setState(state);
      break;
  }
});

df.app.orchestration('transfer', function* (context) {
  const { from, to, amount } = context.df.getInput();
  const me = context.df.instanceId;
  const source = new df.EntityId('Account', from);
  const target = new df.EntityId('Account', to);
  // Locked in reverse for half the callers: the lock set is sorted, so they cannot deadlock.
  const lock = yield from < to ? context.df.lock(source, target) : context.df.lock(target, source);
  const inside = context.df.isLocked();
  const balance = yield context.df.callEntity(source, 'get', me);
  // Time passes inside the section; anything else aimed at these accounts must wait.
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 60_000));
  const moved = balance >= amount;
  if (moved) {
    yield context.df.callEntity(source, 'add', { amount: -amount, by: me });
    yield context.df.callEntity(target, 'add', { amount, by: me });
  }
  lock.release();
  return {
    moved,
    inside: { isLocked: inside.isLocked, owned: inside.ownedLocks.map((entity) => entity.key) },
    afterRelease: context.df.isLocked().isLocked,
  };
});

// Ends without releasing: the host releases the locks when the orchestration completes.
df.app.orchestration('lockAndReturn', function* (context) {
  yield context.df.lock(new df.EntityId('Account', context.df.getInput()));
  return 'done';
});

// Holds the lock until it is terminated.
df.app.orchestration('lockAndWait', function* (context) {
  yield context.df.lock(new df.EntityId('Account', context.df.getInput()));
  yield context.df.waitForExternalEvent('never');
});

// Fails inside its critical section.
df.app.orchestration('lockAndFail', function* (context) {
  yield context.df.lock(new df.EntityId('Account', context.df.getInput()));
  throw new Error('failed while holding the lock');
});
