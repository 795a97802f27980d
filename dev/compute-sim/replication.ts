import type { RestorePointRecord } from './stateStore';
import type { ReplicationState } from './types';

export interface ReplicationSettings {
  throughputMiBps: number;
  progressIntervalMs: number;
  copyTimeLimitMs: number;
}

export interface DiskProgress {
  name: string;
  sizeGB: number;
  completionPercent: number;
  state: ReplicationState;
}

export interface ReplicationSnapshot {
  state: ReplicationState;
  disks: DiskProgress[];
  /** Clock time the copy reached a terminal state, when it has. */
  endedAt?: number;
}

export function diskDurationMs(sizeGB: number, throughputMiBps: number): number {
  return Math.max(1, Math.ceil(((sizeGB * 1024) / throughputMiBps) * 1000));
}

/**
 * A copy's replication as the platform reports it at `now`, computed from clock time alone: no timers
 * drive it, so jumping a virtual clock by days costs nothing. Percentages move only on refresh ticks
 * (every `progressIntervalMs` after replication starts), so a fast disk can jump from 0 straight to 100.
 */
export function replicationAt(
  rp: RestorePointRecord,
  now: number,
  settings: ReplicationSettings,
): ReplicationSnapshot {
  const start = rp.provisionedAt;
  const disksAt = (state: ReplicationState): DiskProgress[] =>
    rp.disks.map((d) => ({ name: d.name, sizeGB: d.sizeGB, completionPercent: 0, state }));
  if (now < start) return { state: 'creating', disks: disksAt('creating') };

  const interval = settings.progressIntervalMs;
  const tickAtOrBefore = (time: number): number =>
    time < start ? start : start + Math.floor((time - start) / interval) * interval;
  const tickAtOrAfter = (time: number): number =>
    time <= start ? start : start + Math.ceil((time - start) / interval) * interval;

  const plans = rp.disks.map((disk, index) => {
    const duration = diskDurationMs(disk.sizeGB, settings.throughputMiBps);
    const applies = (selector: string | number | undefined): boolean =>
      selector === undefined
        ? index === 0
        : typeof selector === 'number'
          ? selector === index
          : selector.toLowerCase() === disk.name.toLowerCase();
    let stallPercent: number | undefined;
    /** Undefined: a stall lasts for good. */
    let stallMs: number | undefined;
    let failAt: number | undefined;
    let failPercent: number | undefined;
    for (const fault of rp.copy?.faults ?? []) {
      if (fault.type === 'stall' && (fault.disk === undefined || applies(fault.disk))) {
        const percent = clampPercent(fault.atPercent);
        if (stallPercent === undefined || percent < stallPercent) {
          stallPercent = percent;
          stallMs = fault.resumeAfterMs;
        }
      }
      if (fault.type === 'failDisk' && applies(fault.disk)) {
        const percent = Math.min(99, clampPercent(fault.atPercent));
        const at = start + Math.floor((duration * percent) / 100);
        if (failAt === undefined || at < failAt) {
          failAt = at;
          failPercent = percent;
        }
      }
    }
    const stalls = stallPercent !== undefined && stallPercent < 100;
    // A stall that ends shifts the rest of the copy by its length.
    const stallStartsAt = stalls ? start + Math.ceil((duration * (stallPercent ?? 100)) / 100) : undefined;
    const finishAt = !stalls
      ? start + duration
      : stallMs === undefined
        ? undefined
        : start + duration + stallMs;
    const percentAt = (time: number): number => {
      if (finishAt !== undefined && finishAt <= time) return 100;
      let elapsed = time - start;
      if (stallStartsAt !== undefined && time >= stallStartsAt) {
        elapsed =
          stallMs !== undefined && time >= stallStartsAt + stallMs
            ? time - start - stallMs
            : stallStartsAt - start;
      }
      const raw = Math.floor((elapsed * 100) / duration);
      const cap = stallMs === undefined ? (stallPercent ?? 100) : 100;
      return Math.min(99, cap, Math.max(0, raw));
    };
    return { disk, finishAt, failAt, failPercent, percentAt };
  });

  const limitAt = rp.createdAt + settings.copyTimeLimitMs;
  // A failure becomes visible on the first refresh at or after it happens.
  const failures = plans.flatMap((p) => (p.failAt === undefined ? [] : [tickAtOrAfter(p.failAt)]));
  const failureSeenAt = failures.length > 0 ? Math.min(...failures) : undefined;
  const allDoneAt = plans.every((p) => p.finishAt !== undefined)
    ? Math.max(...plans.map((p) => tickAtOrAfter(p.finishAt ?? start)))
    : undefined;

  if (failureSeenAt !== undefined && failureSeenAt <= now && failureSeenAt < limitAt) {
    if (allDoneAt === undefined || failureSeenAt < allDoneAt) {
      const frozenTick = tickAtOrBefore(failureSeenAt - 1);
      return {
        state: 'failed',
        endedAt: failureSeenAt,
        disks: plans.map((p) => {
          if (p.failAt !== undefined && tickAtOrAfter(p.failAt) === failureSeenAt) {
            return {
              name: p.disk.name,
              sizeGB: p.disk.sizeGB,
              completionPercent: Math.min(p.failPercent ?? 0, p.percentAt(frozenTick)),
              state: 'failed' as const,
            };
          }
          const percent = p.percentAt(frozenTick);
          return {
            name: p.disk.name,
            sizeGB: p.disk.sizeGB,
            completionPercent: percent,
            state: percent === 100 ? ('succeeded' as const) : ('failed' as const),
          };
        }),
      };
    }
  }

  if (now >= limitAt && (allDoneAt === undefined || allDoneAt > limitAt)) {
    const frozenTick = tickAtOrBefore(limitAt);
    return {
      state: 'terminated',
      endedAt: limitAt,
      disks: plans.map((p) => {
        const percent = p.percentAt(frozenTick);
        return {
          name: p.disk.name,
          sizeGB: p.disk.sizeGB,
          completionPercent: percent,
          state: percent === 100 ? ('succeeded' as const) : ('terminated' as const),
        };
      }),
    };
  }

  const tick = tickAtOrBefore(now);
  const disks = plans.map((p) => {
    const percent = p.percentAt(tick);
    return {
      name: p.disk.name,
      sizeGB: p.disk.sizeGB,
      completionPercent: percent,
      state: percent === 100 ? ('succeeded' as const) : ('inProgress' as const),
    };
  });
  const done = disks.every((d) => d.state === 'succeeded');
  return done && allDoneAt !== undefined
    ? { state: 'succeeded', disks, endedAt: allDoneAt }
    : { state: 'inProgress', disks };
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, Math.floor(value)));
}

export function isReplicationTerminal(state: ReplicationState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'terminated';
}
