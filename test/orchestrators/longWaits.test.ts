import { afterEach, describe, expect, it } from 'vitest';

import type { DevDurableEngine } from '../../dev/host/durable';
import { EventType } from '../../dev/host/durable';
import { copyIdFor } from '../../src/copyId';
import type { CopyDocument } from '../../src/domain/copyDocument';
import type { AppStack } from '../support/appStack';
import { startAppStack } from '../support/appStack';
import { createSourceRestorePoint, seedSource } from '../support/computeSim';

const DAY_MS = 86_400_000;

describe('long waits, through the dev host', () => {
  let stack: AppStack;
  afterEach(async () => {
    await stack.close();
  });

  it('honours a Retry-After of 10 days in full with durable timers that each stay under 6 days', async () => {
    // Prepare
    stack = await startAppStack();
    await seedSource(stack.h, { diskSizesGB: [8], tags: { 'rpcopy-targets': 'westus2' } });
    const source = await createSourceRestorePoint(stack.h, 'rp1');
    stack.h.sim.setFaults([
      {
        kind: 'http',
        method: 'PUT',
        path: '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/src-westus2/restorePoints/*',
        times: 1,
        effect: { type: 'throttle', retryAfterSeconds: 10 * 86_400 },
      },
    ]);
    const id = copyIdFor(source, 'westus2');
    const engine = stack.host.engine as DevDurableEngine;
    const timerSpansMs = new Map<string, number>();

    // Act: step the clock like waitForInstance does, reading every timer the orchestration creates.
    await stack.api('POST', 'copies', { sourceRestorePointId: source });
    for (let step = 0; step < 10_000; step++) {
      await engine.whenIdle();
      await stack.clock.settle();
      for (const event of engine.getHistory(id) ?? []) {
        if (event.EventType === (EventType.TimerCreated as number)) {
          const fireAt = Date.parse(String(event.FireAt));
          timerSpansMs.set(
            `${String(event.Timestamp)} ${String(event.FireAt)}`,
            fireAt - Date.parse(event.Timestamp),
          );
        }
      }
      const status = await engine.getStatus(id);
      const next = stack.clock.nextDueAt();
      if ((status !== undefined && status.runtimeStatus === 'Completed') || next === undefined) {
        break;
      }
      await stack.clock.advanceTo(next);
    }
    const copy = (await stack.api('GET', `copies/${id}`)).body as CopyDocument;
    const puts = stack.h.sim.requestLog.filter(
      (entry) => entry.method === 'PUT' && /\/src-westus2\/restorePoints\//i.test(entry.path),
    );

    // Assess
    expect(copy.status).toBe('Succeeded');
    expect(puts.map((entry) => entry.status)).toEqual([429, 201]);
    const [throttled, accepted] = puts.map((entry) => entry.time);
    expect((accepted ?? 0) - (throttled ?? 0)).toBeGreaterThanOrEqual(10 * DAY_MS);
    expect(timerSpansMs.size).toBeGreaterThan(1);
    expect(Math.max(...timerSpansMs.values())).toBeLessThan(6 * DAY_MS);
  });
});
