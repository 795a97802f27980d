import type { FaultRule } from '../compute-sim';

/**
 * The soak's fault plan for the Compute simulator, written to a file and passed with `npm start -- --faults`.
 * HTTP faults hit the app's traffic to target collections (where copies are made and watched), not the
 * soak's own seeding of source collections, which would only test the soak.
 */

/** Target collections are named `{sourceCollection}-{targetRegion}`; sources end in `-rpc`. */
const TARGET_COLLECTION =
  '/subscriptions/*/resourceGroups/*/providers/Microsoft.Compute/restorePointCollections/*-rpc-*';
const TARGET_ANYTHING = [TARGET_COLLECTION, `${TARGET_COLLECTION}/**`];
const TARGET_RESTORE_POINT = `${TARGET_COLLECTION}/restorePoints/*`;

export interface SoakFaultRates {
  serverError: number;
  throttle: number;
  drop: number;
  /** Share of copies whose disk fails. */
  failedDisk: number;
  /** Share of progress reads that are slow, and how slow (real milliseconds). */
  slowRead: number;
  slowReadMs: number;
}

export const SOAK_FAULT_RATES: SoakFaultRates = {
  serverError: 0.1,
  throttle: 0.05,
  drop: 0.02,
  failedDisk: 0.01,
  slowRead: 0.3,
  slowReadMs: 150,
};

/**
 * The first rule that fires decides a request, so each rule's probability is the share it should take of
 * what the rules before it left over.
 */
export function soakFaultPlan(
  rates: SoakFaultRates,
  sourceRestorePointNames: readonly string[],
  regionsPerSource: number,
  random: () => number,
): FaultRule[] {
  let left = 1;
  const share = (rate: number): number => {
    const probability = Math.min(1, rate / left);
    left -= rate;
    return probability;
  };
  const http: FaultRule[] = [];
  const halfServerErrors = rates.serverError / 2;
  for (const [status, code] of [
    [500, 'InternalServerError'],
    [503, 'ServiceUnavailable'],
  ] as const) {
    const probability = share(halfServerErrors);
    for (const path of TARGET_ANYTHING) {
      http.push({ kind: 'http', path, probability, effect: { type: 'status', status, code } });
    }
  }
  const throttle = share(rates.throttle);
  const drop = share(rates.drop);
  for (const path of TARGET_ANYTHING) {
    http.push({
      kind: 'http',
      path,
      probability: throttle,
      effect: { type: 'throttle', retryAfterSeconds: 30 },
    });
  }
  for (const path of TARGET_ANYTHING) {
    http.push({ kind: 'http', path, probability: drop, effect: { type: 'drop' } });
  }
  http.push({
    kind: 'http',
    method: 'GET',
    path: TARGET_RESTORE_POINT,
    probability: share(rates.slowRead),
    effect: { type: 'latency', ms: rates.slowReadMs },
  });

  // A copy rule fails one copy of a source restore point; choose sources so that about `failedDisk` of
  // all copies fail.
  const perSource = Math.min(1, rates.failedDisk * regionsPerSource);
  const disks: FaultRule[] = sourceRestorePointNames
    .filter(() => random() < perSource)
    .map((name) => ({
      kind: 'copy',
      target: { sourceRestorePointName: name },
      times: 1,
      effect: { type: 'failDisk', atPercent: Math.floor(random() * 90) },
    }));
  return [...http, ...disks];
}
