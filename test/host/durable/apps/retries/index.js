'use strict';
// Retries with the extension's RetryInterceptor semantics, including what happens after the last attempt.
const df = require('durable-functions');

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
