import fs from 'node:fs';
import path from 'node:path';

import type { Clock, ScheduledCallback } from '../../clock';
import type { FunctionInfo, LoadedApp, LogSink } from '../worker';
import { parseSchedule, ScheduleError, type Schedule } from './schedule';

interface TimerState {
  info: FunctionInfo;
  schedule: Schedule;
  /** The occurrence the pending callback stands for. */
  nextDue: number;
  last: number | undefined;
  handle: ScheduledCallback | undefined;
  /** Invocations of one timer never overlap, as the host holds a singleton lock per timer function. */
  running: Promise<void>;
}

interface PersistedStatus {
  last?: number;
  next: number;
}

/** `.NET DateTime.MinValue`, which the host reports as `Last` before a timer has ever fired. */
const NEVER = '0001-01-01T00:00:00';

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface TimerTriggersOptions {
  app: LoadedApp;
  clock: Clock;
  log: LogSink;
  /** Where schedule status is kept across restarts (the host's schedule monitor); none = memory only. */
  dataDir?: string;
}

/** Runs the app's timer triggers on the host clock. */
export class TimerTriggers {
  private readonly timers = new Map<string, TimerState>();
  private readonly statusFile: string | undefined;
  private stopped = false;
  private status: Record<string, PersistedStatus> = {};
  private dirty = false;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: TimerTriggersOptions) {
    this.statusFile =
      options.dataDir === undefined ? undefined : path.join(options.dataDir, 'timer-status.json');
    for (const info of options.app.registry.values()) {
      if (info.triggerType.toLowerCase() !== 'timertrigger') {
        continue;
      }
      const raw = info.trigger.schedule;
      if (typeof raw !== 'string') {
        throw new ScheduleError(String(raw), `function ${info.name} has no schedule`);
      }
      const setting = /^%(.+)%$/.exec(raw.trim());
      const expression = setting ? process.env[setting[1] ?? ''] : raw;
      if (expression === undefined) {
        throw new ScheduleError(
          raw,
          `function ${info.name} refers to app setting ${setting?.[1]}, which is not set`,
        );
      }
      this.timers.set(info.name, {
        info,
        schedule: parseSchedule(expression),
        nextDue: 0,
        last: undefined,
        handle: undefined,
        running: Promise.resolve(),
      });
    }
  }

  /** Arms every timer; runs `runOnStartup` timers and those whose persisted occurrence was missed. */
  start(): void {
    const persisted = this.readStatus();
    this.status = { ...persisted };
    const now = this.options.clock.now();
    for (const [name, timer] of this.timers) {
      const status = persisted[name];
      timer.last = status?.last;
      if (status && status.next <= now) {
        // The host's schedule monitor: an occurrence passed while the host was down runs once, past due.
        this.arm(timer, status.next);
      } else {
        this.arm(timer, timer.schedule.next(now));
      }
      if (timer.info.trigger.runOnStartup === true) {
        void this.run(timer, { isPastDue: false, occurrence: now, next: timer.nextDue });
      }
    }
  }

  names(): string[] {
    return [...this.timers.keys()];
  }

  /** Invokes a timer function now, as the schedule would, and resolves when it has run. */
  async fire(name: string): Promise<void> {
    const timer = [...this.timers.values()].find((t) => t.info.name.toLowerCase() === name.toLowerCase());
    if (!timer) {
      throw new Error(`No timer-triggered function named '${name}'`);
    }
    const now = this.options.clock.now();
    await this.run(timer, { isPastDue: false, occurrence: now, next: timer.nextDue }, true);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) {
      timer.handle?.cancel();
    }
  }

  /** Resolves when no timer function is running and the schedule status is on disk. */
  async idle(): Promise<void> {
    await Promise.all([...this.timers.values()].map((t) => t.running));
    await this.flushing;
  }

  private arm(timer: TimerState, dueAt: number): void {
    if (this.stopped) {
      return;
    }
    timer.nextDue = dueAt;
    timer.handle = this.options.clock.schedule(dueAt, () => {
      timer.handle = undefined;
      const now = this.options.clock.now();
      const occurrence = timer.nextDue;
      // A jump (sleep, a slow machine, a virtual clock leap, downtime) that passed the following
      // occurrence too makes this run past due; the skipped occurrences are not run one by one.
      const following = timer.schedule.next(occurrence);
      const isPastDue = following <= now;
      const next = timer.schedule.next(Math.max(now, occurrence));
      void this.run(timer, { isPastDue, occurrence, next }).then(() => this.arm(timer, next));
      this.persist(timer.info.name, { next });
    });
    this.persist(timer.info.name, { next: dueAt });
  }

  private run(
    timer: TimerState,
    fire: { isPastDue: boolean; occurrence: number; next: number },
    rethrow = false,
  ): Promise<void> {
    const previous = timer.running;
    const work = previous.then(async () => {
      const now = this.options.clock.now();
      const payload = {
        Schedule: { AdjustForDST: true },
        ScheduleStatus: {
          Last: timer.last === undefined ? NEVER : iso(timer.last),
          Next: iso(fire.next),
          LastUpdated: iso(now),
        },
        IsPastDue: fire.isPastDue,
      };
      timer.last = fire.occurrence;
      try {
        await this.options.app.invoke(timer.info.name, { json: JSON.stringify(payload) });
      } catch (error) {
        this.options.log({
          level: 'error',
          category: 'system',
          functionName: timer.info.name,
          message: `Executed '${timer.info.name}' (Failed): ${(error as Error).message ?? String(error)}`,
        });
        if (rethrow) {
          throw error;
        }
      } finally {
        this.persist(timer.info.name, { next: timer.nextDue });
      }
    });
    timer.running = work.catch(() => undefined);
    return this.options.clock.track(work);
  }

  private readStatus(): Record<string, PersistedStatus> {
    if (this.statusFile === undefined || !fs.existsSync(this.statusFile)) {
      return {};
    }
    try {
      return JSON.parse(fs.readFileSync(this.statusFile, 'utf8')) as Record<string, PersistedStatus>;
    } catch {
      // A torn or hand-edited file only costs the past-due detection of one restart.
      return {};
    }
  }

  private persist(name: string, status: PersistedStatus): void {
    if (this.statusFile === undefined) {
      return;
    }
    const timer = this.timers.get(name);
    const entry: PersistedStatus = { next: status.next };
    if (timer?.last !== undefined) {
      entry.last = timer.last;
    }
    this.status[name] = entry;
    this.dirty = true;
    // Written in the background and coalesced: a synchronous write per occurrence would dominate a
    // virtual-clock run, and the host's own schedule monitor is best-effort too.
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  private async flush(): Promise<void> {
    const file = this.statusFile;
    if (file === undefined) {
      return;
    }
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    while (this.dirty) {
      // Coalesce bursts (a virtual clock fires thousands of occurrences a second) into a few writes.
      await new Promise((resolve) => setTimeout(resolve, 50));
      this.dirty = false;
      const temporary = `${file}.tmp`;
      await fs.promises.writeFile(temporary, JSON.stringify(this.status, null, 2));
      await fs.promises.rename(temporary, file);
    }
  }
}
