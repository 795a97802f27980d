'use strict';
// An entity whose operations leave a line in $CRASH_LOG when they run, and one of which can hang
// ($BLOCK_AT) so that a test can kill the host in the middle of its batch.
const fs = require('node:fs');
const df = require('durable-functions');

df.app.entity('Tally', async (context) => {
  const total = context.df.getState(() => 0);
  const amount = context.df.getInput();
  switch (context.df.operationName) {
    case 'add':
      fs.appendFileSync(process.env.CRASH_LOG, `add ${amount}\n`);
      if (String(amount) === process.env.BLOCK_AT) {
        await new Promise(() => undefined);
      }
      context.df.setState(total + amount);
      break;
    case 'get':
      context.df.return(total);
      break;
  }
});

df.app.orchestration('askTally', function* (context) {
  return yield context.df.callEntity(new df.EntityId('Tally', 't'), 'get');
});
