/**
 * The one notion of time shared by the offline tooling (dev host, Compute simulator, local stack).
 *
 * Both tools take a `Clock` so that a test can run them in one process on the same virtual time and skip
 * weeks of durable timers and replication progress in milliseconds, while the standalone tools run on real
 * time, optionally accelerated.
 */

/** A callback registered with {@link Clock.schedule}. */
export interface ScheduledCallback {
  readonly dueAt: number;
  cancel(): void;
}

export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Runs `callback` once the clock reaches `dueAt` (epoch milliseconds). A past `dueAt` runs it soon. */
  schedule(dueAt: number, callback: () => void): ScheduledCallback;
  /** Resolves once `ms` of clock time has passed; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Declares asynchronous work in flight. A virtual clock never jumps forward while tracked work is
   * pending, so a timer cannot fire "before" the work that would have finished first in real time.
   */
  track<T>(work: Promise<T>): Promise<T>;
}

function sleepOn(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      return;
    }
    const onAbort = (): void => {
      handle.cancel();
      reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
    };
    const handle = clock.schedule(clock.now() + Math.max(0, ms), () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** setTimeout cannot wait longer than 2^31-1 ms; longer waits are chained. */
const MAX_REAL_DELAY_MS = 2 ** 31 - 1;

export interface RealClockOptions {
  /** Clock time at construction, in epoch ms. @default Date.now() */
  start?: number;
  /** Clock milliseconds per real millisecond. @default 1 */
  speed?: number;
}

/** Real time, optionally started elsewhere (to resume a saved clock) and accelerated by `speed`. */
export class RealClock implements Clock {
  readonly speed: number;
  private readonly origin: number;
  private readonly realOrigin: number;
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(options: RealClockOptions = {}) {
    const speed = options.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) {
      throw new RangeError(`Clock speed must be a positive number, got ${String(options.speed)}`);
    }
    this.speed = speed;
    this.realOrigin = Date.now();
    this.origin = options.start ?? this.realOrigin;
  }

  now(): number {
    return Math.floor(this.origin + (Date.now() - this.realOrigin) * this.speed);
  }

  schedule(dueAt: number, callback: () => void): ScheduledCallback {
    let timer: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = (): void => {
      const realDelay = Math.max(0, (dueAt - this.now()) / this.speed);
      timer = setTimeout(
        () => {
          if (timer) {
            this.timers.delete(timer);
          }
          if (cancelled) {
            return;
          }
          if (this.now() < dueAt) {
            arm();
          } else {
            callback();
          }
        },
        Math.min(Math.ceil(realDelay), MAX_REAL_DELAY_MS),
      );
      this.timers.add(timer);
    };
    arm();
    return {
      dueAt,
      cancel: () => {
        cancelled = true;
        if (timer) {
          clearTimeout(timer);
          this.timers.delete(timer);
        }
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  track<T>(work: Promise<T>): Promise<T> {
    return work;
  }

  /** Cancels every pending callback, so a stopping process is not held open. */
  dispose(): void {
    for (const timer of this.timers) {
      clearTimeout(timer);
    }
    this.timers.clear();
  }
}

interface VirtualTimer {
  readonly dueAt: number;
  readonly seq: number;
  readonly callback: () => void;
  cancelled: boolean;
}

export interface RunUntilOptions {
  /** Give up (reject) rather than advance past this clock time. @default now + 30 days */
  maxTime?: number;
}

/**
 * Time that moves only when told to. Timers fire in `dueAt` order (ties in registration order), and the
 * clock waits for tracked work and for the event loop to settle after each one, so the cascade of work
 * a timer starts completes before the next timer fires.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  /**
   * Sorted by (dueAt, seq). A canceled timer stays until it reaches the head, where it is dropped: with
   * thousands of copies each holding a timer, sorting or filtering the whole list on every change made each
   * step cost as much as all the timers.
   */
  private readonly timers: VirtualTimer[] = [];
  private live = 0;
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private autoRunning = false;
  private autoWake: (() => void) | undefined;

  constructor(start: number | Date = Date.UTC(2026, 0, 1)) {
    this.current = typeof start === 'number' ? start : start.getTime();
  }

  now(): number {
    return this.current;
  }

  schedule(dueAt: number, callback: () => void): ScheduledCallback {
    const timer: VirtualTimer = {
      dueAt: Math.max(dueAt, this.current),
      seq: this.seq++,
      callback,
      cancelled: false,
    };
    // After every timer due at the same time or earlier: ties fire in registration order.
    let low = 0;
    let high = this.timers.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.timers[middle]?.dueAt ?? 0) <= timer.dueAt) {
        low = middle + 1;
      } else {
        high = middle;
      }
    }
    this.timers.splice(low, 0, timer);
    this.live++;
    this.autoWake?.();
    return {
      dueAt: timer.dueAt,
      cancel: () => {
        if (!timer.cancelled) {
          timer.cancelled = true;
          this.live--;
        }
      },
    };
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return sleepOn(this, ms, signal);
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.busy++;
    const done = (): void => {
      this.busy--;
      if (this.busy === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const wake of waiters) {
          wake();
        }
      }
      this.autoWake?.();
    };
    work.then(done, done);
    return work;
  }

  /** Number of callbacks waiting for the clock. */
  pendingCount(): number {
    return this.live;
  }

  /** The next timer that was not canceled, dropping the canceled ones before it. */
  private head(): VirtualTimer | undefined {
    while (this.timers[0]?.cancelled === true) {
      this.timers.shift();
    }
    return this.timers[0];
  }

  /** When the next callback is due, if any. */
  nextDueAt(): number | undefined {
    return this.head()?.dueAt;
  }

  /** Resolves once no tracked work is pending and the event loop has gone quiet for a few turns. */
  async settle(): Promise<void> {
    let quietTurns = 0;
    while (quietTurns < 3) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.busy > 0) {
        quietTurns = 0;
        await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      } else {
        quietTurns++;
      }
    }
  }

  /** Fires every callback due up to `time`, in order, settling after each; then sets the clock to `time`. */
  async advanceTo(time: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.head();
      if (!next || next.dueAt > time) {
        break;
      }
      this.fire(next);
      await this.settle();
    }
    if (time > this.current) {
      this.current = time;
    }
  }

  advanceBy(ms: number): Promise<void> {
    return this.advanceTo(this.current + ms);
  }

  /**
   * Jumps from timer to timer until `done()` holds. Rejects if it would pass `maxTime` or nothing is left
   * to fire, so a test that waits for something that never happens fails instead of hanging.
   */
  async runUntil(done: () => boolean | Promise<boolean>, options: RunUntilOptions = {}): Promise<void> {
    const maxTime = options.maxTime ?? this.current + 30 * 24 * 3_600_000;
    for (;;) {
      await this.settle();
      if (await done()) {
        return;
      }
      const next = this.head();
      if (!next) {
        throw new Error(
          `runUntil: condition not met and no timers pending at ${new Date(this.current).toISOString()}`,
        );
      }
      if (next.dueAt > maxTime) {
        throw new Error(`runUntil: condition not met by ${new Date(maxTime).toISOString()}`);
      }
      this.fire(next);
    }
  }

  /**
   * Keeps jumping to the next timer whenever the process is idle, until {@link stopAuto}. This is the
   * "fully virtual" mode of the standalone tools: nothing waits on real time.
   */
  startAuto(): void {
    if (this.autoRunning) {
      return;
    }
    this.autoRunning = true;
    void this.autoLoop();
  }

  stopAuto(): void {
    this.autoRunning = false;
    this.autoWake?.();
  }

  private async autoLoop(): Promise<void> {
    while (this.autoRunning) {
      await this.settle();
      if (!this.autoRunning) {
        break;
      }
      const next = this.head();
      if (next && this.busy === 0) {
        this.fire(next);
        continue;
      }
      await new Promise<void>((resolve) => {
        this.autoWake = resolve;
      });
      this.autoWake = undefined;
    }
  }

  /** Fires the head timer (from {@link head}, so it was not canceled). */
  private fire(timer: VirtualTimer): void {
    this.timers.shift();
    this.live--;
    timer.cancelled = true;
    if (timer.dueAt > this.current) {
      this.current = timer.dueAt;
    }
    timer.callback();
  }
}
