import { describe, expect, it } from 'vitest';
import { RealClock, VirtualClock } from '../../dev/clock';

describe('VirtualClock', () => {
  it('fires timers in due order and lands on the target time', async () => {
    // Prepare
    const clock = new VirtualClock(0);
    const fired: string[] = [];
    clock.schedule(300, () => fired.push('c'));
    clock.schedule(100, () => fired.push('a'));
    clock.schedule(100, () => fired.push('b'));
    const cancelled = clock.schedule(200, () => fired.push('cancelled'));
    cancelled.cancel();

    // Act
    await clock.advanceTo(250);

    // Assess
    expect({ fired, now: clock.now(), pending: clock.pendingCount() }).toEqual({
      fired: ['a', 'b'],
      now: 250,
      pending: 1,
    });
  });

  it('does not jump past tracked work', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.schedule(10, () => {
      void clock.track(new Promise<void>((resolve) => setTimeout(resolve, 20))).then(() => {
        seen.push(clock.now());
        clock.schedule(clock.now() + 5, () => seen.push(clock.now()));
      });
    });
    await clock.advanceTo(100);
    expect(seen).toEqual([10, 15]);
  });

  it('runs 14 days of hourly timers with runUntil and refuses to pass maxTime', async () => {
    const clock = new VirtualClock(0);
    let ticks = 0;
    const tick = (): void => {
      ticks++;
      clock.schedule(clock.now() + 3_600_000, tick);
    };
    clock.schedule(3_600_000, tick);
    await clock.runUntil(() => ticks === 14 * 24);
    expect(clock.now()).toBe(14 * 24 * 3_600_000);
    await expect(clock.runUntil(() => false, { maxTime: clock.now() + 7_200_000 })).rejects.toThrow(
      /not met by/,
    );
  });

  it('sleeps on virtual time and honours abort', async () => {
    const clock = new VirtualClock(0);
    const slept = clock.sleep(1000);
    await clock.advanceBy(1000);
    await expect(slept).resolves.toBeUndefined();
    const controller = new AbortController();
    const aborted = clock.sleep(1000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(aborted).rejects.toThrow('stop');
    expect(clock.pendingCount()).toBe(0);
  });

  it('auto-advances while idle until stopped', async () => {
    const clock = new VirtualClock(0);
    const done = new Promise<number>((resolve) => clock.schedule(5 * 86_400_000, () => resolve(clock.now())));
    clock.startAuto();
    await expect(done).resolves.toBe(5 * 86_400_000);
    clock.stopAuto();
  });
});

describe('RealClock', () => {
  it('runs faster by its speed factor and resumes from a saved time', async () => {
    const clock = new RealClock({ start: 1_000_000, speed: 1000 });
    const before = clock.now();
    await clock.sleep(2_000);
    const elapsed = clock.now() - before;
    expect(before).toBeGreaterThanOrEqual(1_000_000);
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect(() => new RealClock({ speed: 0 })).toThrow(/positive/);
    clock.dispose();
  });
});
