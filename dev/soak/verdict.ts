/**
 * What a soak observed, turned into the numbers of its one table, and the table itself. Pure: the soak's
 * driver gathers the observations; this module only counts.
 */

export const TERMINAL_STATUSES: ReadonlySet<string> = new Set([
  'Succeeded',
  'Failed',
  'TimedOut',
  'Canceled',
  'Skipped',
]);

/** The fields of a copy document the soak looks at. */
export interface ObservedCopy {
  id: string;
  status: string;
  sourceRestorePointId: string;
  targetRegion: string;
  /** Present from the second run of a copy. */
  attempt?: number;
  error?: { category?: string } | null;
}

/** An event the app published, as the sink stored it (CloudEvents: `data` is the copy document). */
export interface ObservedEvent {
  id: string;
  type: string;
  data?: unknown;
}

/** A restore point in a target collection, read from the simulator at the end. */
export interface ObservedTarget {
  collectionId: string;
  sourceRestorePointId: string;
  /** When the copy request created it (epoch ms). */
  createdAt: number;
}

export interface ObservedCancel {
  copyId: string;
  /** HTTP status of `POST /api/copies/{id}/cancel`. */
  status: number;
}

export interface SoakObservations {
  /** Copies the soak's restore points call for: one per restore point and target region. */
  expectedCopies: number;
  /** Every copy id the API ever listed during the run. */
  seenCopyIds: ReadonlySet<string>;
  /** The API's copies at the end. */
  finalCopies: readonly ObservedCopy[];
  events: readonly ObservedEvent[];
  targets: readonly ObservedTarget[];
  /** Creation time of each source restore point, by lower-cased id. */
  sourceCreatedAt: ReadonlyMap<string, number>;
  cancels: readonly ObservedCancel[];
  peakMemoryBytes: number;
}

export interface SoakCounts {
  copiesStarted: number;
  /**
   * Expected copies the app never started, e.g. after a dropped event of an older restore point when a
   * newer one's copy already exists. Reported, not failed: whether such a copy is made up is the app's rule.
   */
  copiesNeverStarted: number;
  copiesTerminal: number;
  /** Started but not terminal at the end, or gone from the API. */
  copiesLost: number;
  /** Second targets of one source restore point in one target collection, or second copy documents. */
  copiesDuplicated: number;
  cancelsAccepted: number;
  /** Accepted cancels whose copy ended `Canceled` with a `Canceled` event. */
  cancelsHonoured: number;
  /** More than one terminal event (distinct ids) for one run of one copy. */
  eventsDuplicated: number;
  /** Ended copies without the terminal event of their status. */
  eventsMissing: number;
  /** The same terminal event (same id) received again: at-least-once delivery, deduplicated by id. */
  eventsRedelivered: number;
  /** Copies created, or refused by Azure, after a newer restore point's copy into the same collection. */
  outOfOrderAttempts: number;
  peakMemoryMiB: number;
}

const TERMINAL_EVENT_PREFIX = 'RestorePointCopy.';

function runKey(copyId: string, attempt: number | undefined): string {
  return `${copyId}#${attempt ?? 1}`;
}

function eventCopy(event: ObservedEvent): { id: string; attempt?: number } | undefined {
  const data = event.data;
  if (typeof data !== 'object' || data === null) {
    return undefined;
  }
  const { id, attempt } = data as { id?: unknown; attempt?: unknown };
  if (typeof id !== 'string') {
    return undefined;
  }
  return typeof attempt === 'number' ? { id, attempt } : { id };
}

function terminalStatusOf(event: ObservedEvent): string | undefined {
  if (!event.type.startsWith(TERMINAL_EVENT_PREFIX)) {
    return undefined;
  }
  const status = event.type.slice(TERMINAL_EVENT_PREFIX.length);
  return TERMINAL_STATUSES.has(status) ? status : undefined;
}

export function countSoak(observed: SoakObservations): SoakCounts {
  const finalById = new Map(observed.finalCopies.map((copy) => [copy.id, copy]));
  const terminal = observed.finalCopies.filter((copy) => TERMINAL_STATUSES.has(copy.status));
  const vanished = [...observed.seenCopyIds].filter((id) => !finalById.has(id)).length;

  const pairs = new Map<string, number>();
  for (const copy of observed.finalCopies) {
    const key = `${copy.sourceRestorePointId.toLowerCase()}|${copy.targetRegion}`;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  }
  const targetsPerSource = new Map<string, number>();
  for (const target of observed.targets) {
    const key = `${target.collectionId.toLowerCase()}|${target.sourceRestorePointId.toLowerCase()}`;
    targetsPerSource.set(key, (targetsPerSource.get(key) ?? 0) + 1);
  }
  const extra = (counts: Map<string, number>): number =>
    [...counts.values()].reduce((sum, count) => sum + Math.max(0, count - 1), 0);

  // Terminal events per run of a copy: distinct ids are distinct outcomes; a repeated id is a redelivery.
  const terminalEvents = new Map<string, Map<string, string>>();
  let eventsRedelivered = 0;
  for (const event of observed.events) {
    const status = terminalStatusOf(event);
    const copy = eventCopy(event);
    if (status === undefined || copy === undefined) {
      continue;
    }
    const key = runKey(copy.id, copy.attempt);
    const byId = terminalEvents.get(key) ?? new Map<string, string>();
    if (byId.has(event.id)) {
      eventsRedelivered++;
    }
    byId.set(event.id, status);
    terminalEvents.set(key, byId);
  }
  const eventsDuplicated = [...terminalEvents.values()].reduce((sum, byId) => sum + byId.size - 1, 0);
  const eventsMissing = terminal.filter((copy) => {
    const statuses = [...(terminalEvents.get(runKey(copy.id, copy.attempt))?.values() ?? [])];
    return !statuses.includes(copy.status);
  }).length;

  const accepted = new Set(observed.cancels.filter((cancel) => cancel.status === 202).map((c) => c.copyId));
  const honoured = [...accepted].filter((id) => {
    const copy = finalById.get(id);
    if (copy?.status !== 'Canceled') {
      return false;
    }
    const statuses = [...(terminalEvents.get(runKey(copy.id, copy.attempt))?.values() ?? [])];
    return statuses.includes('Canceled');
  }).length;

  let outOfOrderAttempts = observed.finalCopies.filter(
    (copy) => copy.status === 'Failed' && copy.error?.category === 'ordering',
  ).length;
  const byCollection = new Map<string, ObservedTarget[]>();
  for (const target of observed.targets) {
    const list = byCollection.get(target.collectionId.toLowerCase()) ?? [];
    list.push(target);
    byCollection.set(target.collectionId.toLowerCase(), list);
  }
  for (const list of byCollection.values()) {
    let newestSource = Number.NEGATIVE_INFINITY;
    for (const target of [...list].sort((a, b) => a.createdAt - b.createdAt)) {
      const sourceTime = observed.sourceCreatedAt.get(target.sourceRestorePointId.toLowerCase());
      if (sourceTime === undefined) {
        continue;
      }
      if (sourceTime < newestSource) {
        outOfOrderAttempts++;
      }
      newestSource = Math.max(newestSource, sourceTime);
    }
  }

  return {
    copiesStarted: observed.seenCopyIds.size,
    copiesNeverStarted: Math.max(0, observed.expectedCopies - observed.seenCopyIds.size),
    copiesTerminal: terminal.length,
    copiesLost: vanished + (observed.finalCopies.length - terminal.length),
    copiesDuplicated: extra(pairs) + extra(targetsPerSource),
    cancelsAccepted: accepted.size,
    cancelsHonoured: honoured,
    eventsDuplicated,
    eventsMissing,
    eventsRedelivered,
    outOfOrderAttempts,
    peakMemoryMiB: Math.round(observed.peakMemoryBytes / (1024 * 1024)),
  };
}

/** For a failed soak's report: each accepted cancel that was not honoured, with what became of its copy. */
export function unhonouredCancels(
  observed: SoakObservations,
): { copyId: string; finalStatus: string; events: string[] }[] {
  const finalById = new Map(observed.finalCopies.map((copy) => [copy.id, copy]));
  const accepted = new Set(observed.cancels.filter((cancel) => cancel.status === 202).map((c) => c.copyId));
  return [...accepted].flatMap((copyId) => {
    const events = observed.events
      .filter((event) => eventCopy(event)?.id === copyId)
      .map((event) => event.type.slice(TERMINAL_EVENT_PREFIX.length));
    const finalStatus = finalById.get(copyId)?.status ?? 'gone';
    return finalStatus === 'Canceled' && events.includes('Canceled') ? [] : [{ copyId, finalStatus, events }];
  });
}

/** Why the soak fails: every kind of loss or duplication, in table order. Empty when it passes. */
export function soakFailures(counts: SoakCounts): string[] {
  const problems: string[] = [];
  if (counts.copiesLost > 0) {
    problems.push(`${counts.copiesLost} lost copies`);
  }
  if (counts.copiesDuplicated > 0) {
    problems.push(`${counts.copiesDuplicated} duplicated copies`);
  }
  const lostCancels = counts.cancelsAccepted - counts.cancelsHonoured;
  if (lostCancels > 0) {
    problems.push(`${lostCancels} accepted cancels not honoured`);
  }
  if (counts.eventsDuplicated > 0) {
    problems.push(`${counts.eventsDuplicated} duplicated terminal events`);
  }
  if (counts.eventsMissing > 0) {
    problems.push(`${counts.eventsMissing} missing terminal events`);
  }
  if (counts.outOfOrderAttempts > 0) {
    problems.push(`${counts.outOfOrderAttempts} out-of-order copy attempts`);
  }
  return problems;
}

/** The soak's one table: always these rows, in this order, so runs compare line by line. */
export function renderSoakTable(counts: SoakCounts): string {
  const rows: [string, string, string][] = [
    ['copies', 'started', String(counts.copiesStarted)],
    ['', 'never started', String(counts.copiesNeverStarted)],
    ['', 'terminal', String(counts.copiesTerminal)],
    ['', 'lost', String(counts.copiesLost)],
    ['', 'duplicated', String(counts.copiesDuplicated)],
    ['cancels', 'accepted', String(counts.cancelsAccepted)],
    ['', 'honoured', String(counts.cancelsHonoured)],
    ['terminal events', 'duplicated', String(counts.eventsDuplicated)],
    ['', 'missing', String(counts.eventsMissing)],
    ['', 'redelivered (same id)', String(counts.eventsRedelivered)],
    ['copy attempts', 'out of order', String(counts.outOfOrderAttempts)],
    ['stack process', 'peak memory (MiB)', String(counts.peakMemoryMiB)],
  ];
  const widths = [15, 21, 8];
  const line = `+${widths.map((width) => '-'.repeat(width + 2)).join('+')}+`;
  const format = (cells: readonly string[]): string =>
    `| ${cells[0]?.padEnd(widths[0] ?? 0)} | ${cells[1]?.padEnd(widths[1] ?? 0)} | ${cells[2]?.padStart(widths[2] ?? 0)} |`;
  return [line, format(['what', 'measure', 'count']), line, ...rows.map(format), line].join('\n');
}
