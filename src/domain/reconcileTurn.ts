const DAY_MS = 86_400_000;
/**
 * How far each sweep's window reaches back before the previous sweep. The previous sweep's time comes from
 * the host and `now` from ARM's clock; without an overlap, a collection whose time of day fell between the
 * two would be missed by both sweeps, every day. Reconciling is idempotent, so looking twice costs reads only.
 */
const OVERLAP_MS = 5 * 60_000;

/** FNV-1a over the case-folded id: stable across processes and versions, unlike a random salt. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The time of day (ms after midnight UTC) at which a collection's daily reconciliation falls due. */
export function reconcileTimeOfDay(collectionId: string): number {
  return fnv1a(collectionId.toLowerCase()) % DAY_MS;
}

/**
 * Whether the sweep running at `now` reconciles this collection: once a day, at its time of day, so that
 * sweeps spread the collections over the day. `since` is the previous sweep's time; a collection whose time
 * fell in (since, now] is due, so consecutive sweeps cover every time of day exactly once, whatever the
 * schedule (with a few minutes of overlap, see {@link OVERLAP_MS}). Without a previous sweep (the first, or when the host cannot tell), every collection is due.
 *
 * @remarks Event Grid retries a delivery for a day, so a restore point event is lost for good only after a
 * day of failures; looking at each collection once a day finds it in the day after, at a 24th of the ARM
 * reads of an hourly look.
 */
export function isReconcileDue(collectionId: string, since: Date | undefined, now: Date): boolean {
  const from = since?.getTime();
  const to = now.getTime();
  if (from === undefined || Number.isNaN(from) || to - from >= DAY_MS) {
    return true;
  }
  const timeOfDay = reconcileTimeOfDay(collectionId);
  const latestTurn = to - ((((to - timeOfDay) % DAY_MS) + DAY_MS) % DAY_MS);
  return latestTurn > from - OVERLAP_MS;
}
