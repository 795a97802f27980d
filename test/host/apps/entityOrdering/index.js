'use strict';
// A log entity whose operations take real time and report how many batches of each entity are running,
// and senders that fire numbered signals at it, to observe serialization and per-sender order.
const df = require('durable-functions');

const hooks = () => globalThis.__entityOrderingHooks ?? { running: new Map(), peaks: new Map(), overall: 0 };

df.app.entity('Log', async (context) => {
  const probe = hooks();
  const key = context.df.entityKey;
  probe.running.set(key, (probe.running.get(key) ?? 0) + 1);
  const total = [...probe.running.values()].reduce((sum, count) => sum + count, 0);
  probe.peaks.set(key, Math.max(probe.peaks.get(key) ?? 0, probe.running.get(key)));
  probe.overall = Math.max(probe.overall, total);
  // Real time passes inside the operation, so overlapping batches would be seen.
  await new Promise((resolve) => setTimeout(resolve, 2));
  probe.running.set(key, probe.running.get(key) - 1);
  const entries = context.df.getState(() => []);
  switch (context.df.operationName) {
    case 'append':
      context.df.setState([...entries, context.df.getInput()]);
      break;
    case 'read':
      context.df.return(entries);
      break;
  }
});

df.app.orchestration('sender', function* (context) {
  const { targets, count } = context.df.getInput();
  for (let n = 1; n <= count; n++) {
    for (const target of targets) {
      context.df.signalEntity(new df.EntityId('Log', target), 'append', `${context.df.instanceId}:${n}`);
    }
    if (n % 3 === 0) {
      // A call in the middle of the stream arrives after every earlier signal from this sender.
      const seen = yield context.df.callEntity(new df.EntityId('Log', targets[0]), 'read');
      if (!seen.includes(`${context.df.instanceId}:${n}`)) {
        throw new Error(`call overtook signal ${n}`);
      }
    }
  }
  return count;
});
