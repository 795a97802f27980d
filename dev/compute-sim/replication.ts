import type { RefreshTiming, RestorePointRecord } from './stateStore';
import type { ProgressRefreshOptions, ReplicationState } from './types';

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

/** Draws one copy's refresh timing from the simulator's options; `random` is the seeded PRNG. */
export function drawRefreshTiming(
  intervalMs: number,
  options: ProgressRefreshOptions | undefined,
  random: () => number,
): RefreshTiming {
  const spread = Math.min(0.5, Math.max(0, options?.periodSpread ?? 0));
  const periodMs = Math.round(intervalMs * (1 - spread + 2 * spread * random()));
  return {
    offsetMs: options?.randomPhase === true ? Math.floor(random() * periodMs) : 0,
    periodMs,
    jitterMs: Math.min(periodMs - 1, Math.max(0, options?.jitterMs ?? 0)),
    skipProbability: Math.min(0.9, Math.max(0, options?.skipProbability ?? 0)),
    seed: Math.floor(random() * 2 ** 31),
  };
}

/** A number in [0, 1) fixed by the seed and the slot, so that a refresh is the same whenever it is asked. */
function slotNoise(seed: number, slot: number, salt: number): number {
  let t = (seed ^ Math.imul(slot + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b)) >>> 0;
  t = Math.imul(t ^ (t >>> 16), 0x7feb352d);
  t = Math.imul(t ^ (t >>> 15), 0x846ca68b);
  return ((t ^ (t >>> 16)) >>> 0) / 4_294_967_296;
}

/** The refresh instants of one copy: the last at or before a time, and the first at or after it. */
function refreshTicks(start: number, timing: RefreshTiming) {
  const { offsetMs, periodMs, jitterMs, skipProbability, seed } = timing;
  const slotAt = (k: number): number =>
    start + offsetMs + k * periodMs + Math.floor(jitterMs * slotNoise(seed, k, 1));
  const skipped = (k: number): boolean => skipProbability > 0 && slotNoise(seed, k, 2) < skipProbability;
  const firstSlotFrom = (time: number): number =>
    Math.max(0, Math.floor((time - start - offsetMs) / periodMs));
  return {
    /** Replication start (no progress yet) counts as a refresh. */
    atOrBefore: (time: number): number => {
      if (time <= start) {
        return start;
      }
      let k = firstSlotFrom(time) + 1;
      while (k >= 0 && (slotAt(k) > time || skipped(k))) {
        k--;
      }
      return k < 0 ? start : slotAt(k);
    },
    atOrAfter: (time: number): number => {
      if (time <= start) {
        return start;
      }
      let k = Math.max(0, firstSlotFrom(time) - 1);
      while (slotAt(k) < time || skipped(k)) {
        k++;
      }
      return slotAt(k);
    },
  };
}

/**
 * A copy's replication as the platform reports it at `now`, computed from clock time alone: no timers
 * drive it, so jumping a virtual clock by days costs nothing. Percentages move only on refresh ticks
 * (by default every `progressIntervalMs` after replication starts; a copy's own {@link RefreshTiming} may
 * shift, stretch, jitter or skip them), so a fast disk can jump from 0 straight to 100.
 */
export function replicationAt(
  rp: RestorePointRecord,
  now: number,
  settings: ReplicationSettings,
): ReplicationSnapshot {
  const start = rp.provisionedAt;
  const disksAt = (state: ReplicationState): DiskProgress[] =>
    rp.disks.map((d) => ({ name: d.name, sizeGB: d.sizeGB, completionPercent: 0, state }));
  if (now < start) {
    return { state: 'creating', disks: disksAt('creating') };
  }

  const ticks = refreshTicks(
    start,
    rp.copy?.refresh ?? {
      offsetMs: 0,
      periodMs: settings.progressIntervalMs,
      jitterMs: 0,
      skipProbability: 0,
      seed: 0,
    },
  );
  const tickAtOrBefore = ticks.atOrBefore;
  const tickAtOrAfter = ticks.atOrAfter;

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
      if (finishAt !== undefined && finishAt <= time) {
        return 100;
      }
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
          return diskAt(p, frozenTick, 'failed');
        }),
      };
    }
  }

  if (now >= limitAt && (allDoneAt === undefined || allDoneAt > limitAt)) {
    const frozenTick = tickAtOrBefore(limitAt);
    return {
      state: 'terminated',
      endedAt: limitAt,
      disks: plans.map((p) => diskAt(p, frozenTick, 'terminated')),
    };
  }

  const tick = tickAtOrBefore(now);
  const disks = plans.map((p) => diskAt(p, tick, 'inProgress'));
  const done = disks.every((d) => d.state === 'succeeded');
  return done && allDoneAt !== undefined
    ? { state: 'succeeded', disks, endedAt: allDoneAt }
    : { state: 'inProgress', disks };
}

/** A disk as a refresh at `tick` shows it: succeeded once at 100 %, otherwise `unfinished`. */
function diskAt(
  plan: { disk: { name: string; sizeGB: number }; percentAt(time: number): number },
  tick: number,
  unfinished: DiskProgress['state'],
): DiskProgress {
  const percent = plan.percentAt(tick);
  return {
    name: plan.disk.name,
    sizeGB: plan.disk.sizeGB,
    completionPercent: percent,
    state: percent === 100 ? 'succeeded' : unfinished,
  };
}

function clampPercent(value: number): number {
  return Math.max(0, Math.min(100, Math.floor(value)));
}

export function isReplicationTerminal(state: ReplicationState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'terminated';
}
