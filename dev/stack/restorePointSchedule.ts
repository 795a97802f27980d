import type { Clock } from '../clock';

export interface RestorePointScheduleOptions {
  clock: Clock;
  /** Simulated milliseconds from one due time to the next. */
  interval: number;
  /** Holds the next due time, which a restart resumes from; nothing is scheduled while it is unset. */
  state: { nextRestorePointAt?: number };
  /** Creates one source restore point. */
  create: () => Promise<void>;
  /** Called after each due time moves on, to save it. */
  saved: () => void;
  notice: (message: string) => void;
}

/**
 * The stack's source restore points: one at a time, the next one `interval` after the previous was due (or
 * now, if creating it took longer). A failure is reported and the schedule goes on.
 */
export function scheduleRestorePoints(options: RestorePointScheduleOptions): { stop(): Promise<void> } {
  const { clock, interval, state } = options;
  let scheduled: { cancel(): void } | undefined;
  let creating: Promise<void> | undefined;
  let stopped = false;
  const arm = (): void => {
    if (stopped || state.nextRestorePointAt === undefined) {
      return;
    }
    scheduled = clock.schedule(state.nextRestorePointAt, () => {
      scheduled = undefined;
      creating = options
        .create()
        .catch((error: unknown) => {
          if (stopped) {
            return;
          }
          const at = new Date(clock.now()).toISOString().slice(0, 16).replace('T', ' ');
          options.notice(
            `Creating the source restore point due ${at} UTC (simulated) failed: ${(error as Error).message}`,
          );
        })
        .finally(() => {
          creating = undefined;
          state.nextRestorePointAt = Math.max((state.nextRestorePointAt ?? 0) + interval, clock.now());
          options.saved();
          arm();
        });
    });
  };
  arm();
  return {
    stop: async () => {
      stopped = true;
      scheduled?.cancel();
      await creating;
    },
  };
}
