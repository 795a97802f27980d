import type { TlsMaterial } from './tlsMaterial';
import type { Clock } from '../clock';

/** Which requests an HTTP fault applies to. */
export interface FaultMatch {
  /** HTTP method, case-insensitive. @default any method */
  method?: string;
  /**
   * Request path without the query. A RegExp is tested case-insensitively as given; a string is a glob
   * matched case-insensitively against the whole path, where `*` matches within one segment and `**`
   * matches across segments.
   */
  path: string | RegExp;
}

/** When a fault fires among the requests (or copies) it matches. All counts are deterministic. */
export interface FaultTiming {
  /** Skip the first N matching requests. @default 0 */
  afterNth?: number;
  /** Fire at most this many times. @default unlimited (HTTP faults), 1 (copy faults) */
  times?: number;
  /** Chance of firing on an eligible request, drawn from the simulator's seeded PRNG. @default 1 */
  probability?: number;
}

export type HttpFaultEffect =
  /** Replies with this 5xx status and an ARM error body. */
  | { type: 'status'; status: number; code?: string; retryAfterSeconds?: number }
  /** Replies 429 TooManyRequests with `Retry-After`. */
  | { type: 'throttle'; retryAfterSeconds: number }
  /**
   * Holds the request for `ms` of *real* time before handling it normally. Real time, because the request
   * is tracked on the clock: a virtual clock would never advance to end a clock-time delay.
   */
  | { type: 'latency'; ms: number }
  /** Destroys the socket without answering. */
  | { type: 'drop' }
  /**
   * The platform refuses the request: replies with this 4xx status (400 or 409) and an ARM error body, as
   * Azure does when it will not copy now. @default code 'OperationNotAllowed'
   */
  | { type: 'refuse'; status: 400 | 409; code?: string; message?: string };

export interface HttpFaultRule extends FaultMatch, FaultTiming {
  kind: 'http';
  /** Clock time (epoch ms) from which the fault applies: a window of trouble. @default always */
  activeFromMs?: number;
  /** Clock time (epoch ms) from which the fault no longer applies. @default never ends */
  activeUntilMs?: number;
  effect: HttpFaultEffect;
}

/** Which copy PUTs a copy fault applies to. */
export type CopyFaultTarget =
  /** The next accepted copy PUT(s), whatever their names. */
  | 'next'
  /** Copies of a source restore point with this name (case-insensitive). */
  | { sourceRestorePointName: string }
  /** Copies created under this target restore point name (case-insensitive). */
  | { restorePointName: string };

export type CopyFaultEffect =
  /**
   * The disk's replication fails once it reaches `atPercent`: status level Error, no message, percent
   * frozen, and the whole restore point copy fails with it. `disk` is a disk name or a 0-based index in
   * storage-profile order (OS disk first). @default disk 0
   */
  | { type: 'failDisk'; atPercent: number; disk?: string | number }
  /**
   * Replication stops making progress at `atPercent` (every disk, or only `disk`); for good, or for
   * `resumeAfterMs` of clock time, after which it goes on where it stopped.
   */
  | { type: 'stall'; atPercent: number; disk?: string | number; resumeAfterMs?: number };

export interface CopyFaultRule extends Omit<FaultTiming, 'probability' | 'afterNth'> {
  kind: 'copy';
  target: CopyFaultTarget;
  effect: CopyFaultEffect;
}

export type FaultRule = HttpFaultRule | CopyFaultRule;

export interface ReadBudget {
  /** Bucket size: GETs a subscription can burst. */
  capacity: number;
  /** Tokens restored per second of clock time. */
  refillPerSecond: number;
}

export interface ComputeSimulatorOptions {
  /** Shared with the dev host when both run in one process. */
  clock: Clock;
  /** 0 or undefined picks an ephemeral port. Always bound to 127.0.0.1. */
  port?: number;
  /**
   * Serve HTTPS: `true` with a new self-signed certificate, or with this key and certificate (tests share one,
   * as generating a key takes a few hundred milliseconds). The Azure SDK refuses bearer tokens over http.
   * @default true
   */
  tls?: boolean | TlsMaterial;
  /**
   * File holding resources, operations, throttle windows, event subscriptions, the clock time and the
   * certificate: a JSON snapshot line, then one JSON line per change. Loaded at start when it exists; appended
   * to on every change, compacted at start, on close and when the journal outgrows the snapshot.
   */
  stateFile?: string;
  /** Replication throughput per disk. @default 50 MiB/s */
  throughputMiBps?: number;
  /** How often `completionPercent` is refreshed. @default 10 minutes */
  progressIntervalMs?: number;
  /**
   * How each copy's refreshes deviate from a fixed `progressIntervalMs` grid starting with replication, drawn
   * per copy from the seed, as Azure's refresh instants differ between copies. @default no deviation
   */
  progressRefresh?: ProgressRefreshOptions;
  /** Copies still replicating this long after their PUT are terminated. @default 14 days */
  copyTimeLimitMs?: number;
  /** Accepted copy PUTs per target collection per rolling hour. @default 3 */
  copyPutsPerHour?: number;
  /** Per-subscription token bucket for GETs. @default ARM's 250 burst, 25 per second */
  readBudget?: ReadBudget;
  /** `Retry-After` on LRO responses. Real SDK pollers sleep on it in real time. @default 1 */
  lroRetryAfterSeconds?: number;
  /** Simulated time an LRO (create or delete) takes. @default 5 seconds */
  lroDurationMs?: number;
  /**
   * Items per page of a list operation; a longer list ends its page with a `nextLink`, as ARM does.
   * @default 100
   */
  listPageSize?: number;
  faults?: FaultRule[];
  /** Seeds the fault PRNG and generated ids. @default 1 */
  seed?: number;
}

export interface ProgressRefreshOptions {
  /** The first refresh lands a random part of the period after replication starts. @default false */
  randomPhase?: boolean;
  /** Each copy's period is drawn uniformly within ± this fraction of `progressIntervalMs`. @default 0 */
  periodSpread?: number;
  /** Each refresh lands up to this much later than its slot (less than the period). @default 0 */
  jitterMs?: number;
  /** Chance that a refresh does not happen at all. @default 0 */
  skipProbability?: number;
}

export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Raw query string without the `?`, empty when none. */
  query: string;
  status: number;
  /** Clock time the request arrived (epoch ms). */
  time: number;
  /** Subscription in the path, when there is one. */
  subscriptionId?: string;
  /** ARM error code of an error response. */
  errorCode?: string;
  /** Set when an injected fault shaped the response. */
  fault?: HttpFaultEffect['type'];
  /**
   * The `x-rpcopy-client` request header: dev tooling that calls ARM next to the app (the local stack's
   * seeding and test arrangements) names itself, so the app's own operations can be told apart.
   */
  client?: string;
}

export type EventSchema = 'EventGrid' | 'CloudEvents';

export interface EventSubscription {
  url: string;
  schema: EventSchema;
  /** Send every event twice (same correlationId, new event id), as Azure sometimes does. */
  duplicate?: boolean;
  headers?: Record<string, string>;
}

export interface DeliveryLogEntry {
  url: string;
  eventId: string;
  subject: string;
  attempt: number;
  /** HTTP status, or 0 when the connection failed. */
  status: number;
  time: number;
  outcome: 'delivered' | 'retrying' | 'dropped';
}

export type ReplicationState = 'creating' | 'inProgress' | 'succeeded' | 'failed' | 'terminated' | 'deleting';

/** A test's read-only view of a copy, computed at the current clock time. */
export interface CopyView {
  id: string;
  sourceRestorePointId: string;
  provisioningState: string;
  state: ReplicationState;
  disks: { name: string; sizeGB: number; completionPercent: number; state: ReplicationState }[];
}

export interface ComputeSimulator {
  readonly endpoint: string;
  readonly caCertificatePem: string | undefined;
  readonly requestLog: readonly RequestLogEntry[];
  clearRequestLog(): void;
  readonly deliveryLog: readonly DeliveryLogEntry[];
  /** Registers a webhook; registering a URL and schema again replaces that subscription. */
  subscribeEvents(subscription: EventSubscription): void;
  /**
   * Removes every subscription to `url` (any schema) and the deliveries still owed to it, as deleting an
   * Event Grid subscription does; a delivery in flight finishes but is not retried. Returns how many
   * subscriptions were removed. A restarted local stack subscribes its new URL, then unsubscribes the old.
   */
  unsubscribeEvents(url: string): number;
  /** Replaces the fault plan; counts start afresh. */
  setFaults(rules: FaultRule[]): void;
  /** The copy with this id (case-insensitive), or undefined. */
  getCopy(restorePointId: string): CopyView | undefined;
  /**
   * Ground truth for benchmarks and tests: the clock time at which the copy first reports its final state
   * (the refresh that shows it), whether or not that time has come; undefined while it cannot end (a stall).
   */
  copyEndsAt(restorePointId: string): number | undefined;
  /**
   * Stops the server and event deliveries, then writes the state file. Deliveries still owed (waiting to
   * retry, or interrupted in flight) are saved and resumed by a simulator started from the same file.
   */
  close(): Promise<void>;
}
