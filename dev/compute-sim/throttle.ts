import type { TokenBucketState } from './stateStore';
import type { ReadBudget } from './types';

export const HOUR_MS = 3_600_000;

/** ARM's documented per-subscription read bucket. */
export const DEFAULT_READ_BUDGET: ReadBudget = { capacity: 250, refillPerSecond: 25 };

export type TakeResult = { allowed: true; remaining: number } | { allowed: false; retryAfterSeconds: number };

/** Takes one token from a subscription's read bucket, refilled continuously on clock time. */
export function takeReadToken(
  bucket: TokenBucketState | undefined,
  budget: ReadBudget,
  now: number,
): { bucket: TokenBucketState; result: TakeResult } {
  const previous = bucket ?? { tokens: budget.capacity, updatedAt: now };
  const elapsedSeconds = Math.max(0, now - previous.updatedAt) / 1000;
  const tokens = Math.min(budget.capacity, previous.tokens + elapsedSeconds * budget.refillPerSecond);
  if (tokens >= 1) {
    return {
      bucket: { tokens: tokens - 1, updatedAt: now },
      result: { allowed: true, remaining: Math.floor(tokens - 1) },
    };
  }
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - tokens) / budget.refillPerSecond));
  return { bucket: { tokens, updatedAt: now }, result: { allowed: false, retryAfterSeconds } };
}

/** Accepted PUT times still inside the rolling hour. */
export function activeWindow(times: readonly number[] | undefined, now: number): number[] {
  return (times ?? []).filter((t) => t > now - HOUR_MS);
}

/** Seconds until the oldest PUT in a full window leaves it. */
export function secondsUntilSlotFrees(window: readonly number[], now: number): number {
  const oldest = Math.min(...window);
  return Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000));
}
