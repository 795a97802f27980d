// Retries, with the extension's RetryInterceptor semantics and its last-attempt behaviour.
// Sample app: test/host/durable/apps/retries/.
import { describe, expect, it } from 'vitest';

import { DAY, scheduled, useScenarioApp } from '../helpers';

const scenario = useScenarioApp('retries');

describe('retries (RetryInterceptor port)', () => {
  it('succeeds on the second attempt: call 0, timer 1, call 2, no dummy timer', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'second', failures: 1, first: 1000, attempts: 3, backoff: 2 },
    });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe('succeeded on attempt 2');
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [4, 0, 'FailTimes'],
      [10, 1, 1000],
      [4, 2, 'FailTimes'],
    ]);
  });

  it('backs off first×coef^n capped at maxRetryInterval, then a zero-delay timer after the last attempt', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'backoff', failures: 9, first: 1000, attempts: 4, backoff: 3, maxInterval: 5000 },
    });
    await h.waitFor(id, ['Completed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      "gave up: Activity function 'FailTimes' failed:  attempt 4 failed",
    );
    // Delays 1000, 3000, then 9000 capped to 5000; the last failure gets the back-compat dummy timer.
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [4, 0, 'FailTimes'],
      [10, 1, 1000],
      [4, 2, 'FailTimes'],
      [10, 3, 4000],
      [4, 4, 'FailTimes'],
      [10, 5, 9000],
      [4, 6, 'FailTimes'],
      [10, 7, 9000],
    ]);
  });

  it('reproduces the retryTimeout hang loudly: no timer, the instance stays Running', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'timeout', failures: 9, first: 1000, attempts: 5, timeout: 1500 },
    });
    await h.clock.runUntil(async () => {
      await h.engine.whenIdle();
      return h.engine.pendingTimerCount() === 0 && (h.engine.getHistory(id)?.length ?? 0) > 10;
    });
    expect((await h.engine.getStatus(id))?.runtimeStatus).toBe('Running');
    expect(scheduled(h.engine.getHistory(id))).toEqual([
      [4, 0, 'FailTimes'],
      [10, 1, 1000],
      [4, 2, 'FailTimes'],
      [10, 3, 2000],
      [4, 4, 'FailTimes'],
    ]);
    expect(h.logs.filter((l) => l.message.startsWith('HANG:')).map((l) => l.level)).toEqual(['warn']);
    expect(h.logs.filter((l) => l.message.startsWith('WATCHDOG:'))).toEqual([
      {
        level: 'error',
        message:
          `WATCHDOG: instance '${id}' (retrying) is not done, but nothing the host tracks can resume it (no open ` +
          'activity, timer, sub-orchestration or event wait). durable-functions is waiting on a task ID the host ' +
          'will never complete; the instance will stay Running forever.',
      },
    ]);
  });

  it('refuses retry intervals beyond the provider maximum', async () => {
    const h = await scenario.engine();
    const id = await h.engine.startNew('retrying', {
      input: { key: 'long', failures: 0, first: 1000, attempts: 2, maxInterval: 7 * DAY },
    });
    await h.waitFor(id, ['Failed']);
    expect((await h.engine.getStatus(id))?.output).toBe(
      "Orchestrator function 'retrying' failed: The Azure Storage provider supports a maximum of 6 days for " +
        "time-based delays (Parameter 'MaxRetryInterval')",
    );
  });
});
