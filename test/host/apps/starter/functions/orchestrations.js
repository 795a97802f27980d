const df = require('durable-functions');

df.app.orchestration('helloCities', function* (context) {
  const prefix = context.df.getInput() || 'Hello';
  const results = [];
  for (const city of ['Tokyo', 'Seattle', 'London']) {
    results.push(yield context.df.callActivity('greet', `${prefix} ${city}`));
  }
  return results;
});

df.app.orchestration('sleepsADay', function* (context) {
  const wakeAt = new Date(context.df.currentUtcDateTime.getTime() + 24 * 3600 * 1000);
  yield context.df.createTimer(wakeAt);
  return `woke at ${context.df.currentUtcDateTime.toISOString()}`;
});

df.app.activity('greet', { handler: (text) => `${text}!` });

df.app.orchestration('fortnight', function* (context) {
  const wakes = [];
  for (let day = 1; day <= 14; day++) {
    yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 24 * 3600 * 1000));
    wakes.push(context.df.currentUtcDateTime.toISOString());
  }
  return wakes;
});
