/**
 * The seam between the two halves of the dev host:
 * - the worker side (`dev/host/worker`, `dev/host/http`, …) loads the Functions app through a virtual
 *   `@azure/functions-core`, invokes functions through the library's own invocation pipeline and serves
 *   HTTP (triggers, Event Grid webhook, the Durable management API);
 * - the durable side (`dev/host/durable`) is the mini Durable Task Framework: instances, history, the
 *   out-of-process shim, timers, retries, events, persistence.
 *
 * Each side depends only on this file for the other's behaviour.
 */

/** Runtime statuses exactly as the Durable HTTP API spells them. */
export type RuntimeStatus =
  'Running' | 'Completed' | 'ContinuedAsNew' | 'Failed' | 'Canceled' | 'Terminated' | 'Pending' | 'Suspended';

/** The `orchestrationTrigger` payload the extension sends (see durable-host-protocol.md §2). */
export interface OrchestrationTriggerPayload {
  history: HistoryEvent[];
  input: unknown;
  instanceId: string;
  isReplaying: boolean;
  parentInstanceId: string | null;
  /** Set by the extension for rewound or restarted-from instances; the JS SDK ignores it. */
  sourceInstanceId?: string | null;
  upperSchemaVersion: number;
  upperSchemaVersionNew: number;
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
  defaultHttpAsyncRequestSleepTimeMillseconds: number;
}

/** A DTFx history event in its PascalCase wire form; `EventType` is the integer enum. */
export interface HistoryEvent {
  EventType: number;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  [field: string]: unknown;
}

/** What durable-functions returned (`OrchestratorState`, §3.1). */
export interface OrchestratorState {
  isDone: boolean;
  actions: unknown[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  failureDetails?: unknown;
  schemaVersion: number;
}

export type OrchestratorInvocationResult =
  /** The orchestrator returned normally (possibly not done). */
  | { kind: 'state'; state: OrchestratorState }
  /** The orchestrator threw; `state` is the JSON after the `$OutOfProcData$` label (§3.5). */
  | { kind: 'orchestratorError'; state: OrchestratorState; messageBeforeLabel: string }
  /** The invocation itself failed (no label in the error): not the orchestrator's fault. */
  | { kind: 'infrastructureError'; message: string };

export type ActivityInvocationResult =
  /** `resultJson` is JSON text for `TaskCompleted.Result`, or null for no value (§6.6). */
  | { ok: true; resultJson: string | null }
  | { ok: false; error: { name: string; message: string; stack?: string } };

export type DurableFunctionKind = 'orchestrationTrigger' | 'activityTrigger' | 'entityTrigger';

/** An entity's identity as the SDK and the HTTP API spell it; the host lowercases `name`. */
export interface EntityRef {
  name: string;
  key: string;
}

/** The `entityTrigger` payload (the extension's `EntityContextToString`). */
export interface EntityBatchRequest {
  self: EntityRef;
  exists: boolean;
  /** The serialized entity state, or null when there is none. */
  state: string | null;
  /** `id` is the request's ID (a GUID), also for client signals. */
  batch: { name: string; input: string | null; isSignal: boolean; id: string }[];
}

/** The reply the extension parses (`TaskEntityShim.OutOfProcResult`). */
export interface EntityBatchResult {
  entityExists: boolean;
  entityState: string | null;
  results: { result: string | null; isError: boolean; duration: number }[];
  signals: { target: EntityRef; name: string; input: string | null }[];
}

export type EntityInvocationResult =
  | { kind: 'result'; result: EntityBatchResult }
  /** The invocation failed or its reply was not an OutOfProcResult: every operation of the batch fails. */
  | { kind: 'infrastructureError'; message: string };

/** Implemented by the worker side; used by the durable side to run user code. */
export interface FunctionInvoker {
  /** Whether the app registered a function of that name and trigger kind. */
  hasFunction(name: string, kind: DurableFunctionKind): boolean;
  invokeOrchestrator(
    name: string,
    payload: OrchestrationTriggerPayload,
  ): Promise<OrchestratorInvocationResult>;
  /** `inputJson` is JSON text (string inputs arrive already quoted by the SDK), or undefined for none. */
  invokeActivity(name: string, inputJson: string | undefined): Promise<ActivityInvocationResult>;
  invokeEntity(name: string, request: EntityBatchRequest): Promise<EntityInvocationResult>;
}

/** The status document of the Durable HTTP API (§5.4), before the HTTP layer serializes it. */
export interface InstanceStatus {
  name: string;
  instanceId: string;
  /** Only on sub-orchestrations, as the real status JSON has it. */
  parentInstanceId?: string;
  runtimeStatus: RuntimeStatus;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  /** ISO-8601 without fractional seconds, as the real API sends. */
  createdTime: string;
  lastUpdatedTime: string;
  /** Present only when asked for with `showHistory`. */
  historyEvents?: Record<string, unknown>[];
}

export interface GetStatusOptions {
  showHistory?: boolean;
  showHistoryOutput?: boolean;
  showInput?: boolean;
}

export interface ListInstancesQuery {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
  showInput?: boolean;
  /** Page size. */
  top?: number;
  /** Opaque token from the previous page. */
  continuationToken?: string;
}

export interface ListInstancesPage {
  instances: InstanceStatus[];
  /** Absent on the last page. */
  continuationToken?: string;
}

export interface PurgeQuery {
  createdTimeFrom: Date;
  createdTimeTo?: Date;
  runtimeStatus?: RuntimeStatus[];
}

/** Why an engine call was refused; the HTTP layer maps each code to the real API's status code. */
export type EngineErrorCode =
  | 'not-found' // 404
  | 'gone' // 410: the instance is terminal
  | 'bad-request' // 400: unknown orchestrator, invalid id, bad input
  | 'conflict'; // the real API answers 500 for a duplicate running id

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export interface StartOptions {
  instanceId?: string;
  /** Already-parsed JSON value, or undefined for no input. */
  input?: unknown;
  version?: string;
}

/** What `readEntityState` answers: the state is the parsed JSON value (or the raw text). */
export interface EntityStateResponse {
  entityExists: boolean;
  entityState: unknown;
}

/** One row of the entity list (`DurableEntityStatus`). */
export interface EntityStatus {
  entityId: EntityRef;
  /** ISO-8601 without fractional seconds. */
  lastOperationTime: string;
  /** Present when asked for with `fetchState`. */
  state?: unknown;
}

export interface ListEntitiesQuery {
  /** Lowercased by the host, as the extension does. */
  entityName?: string;
  lastOperationTimeFrom?: Date;
  lastOperationTimeTo?: Date;
  fetchState?: boolean;
  pageSize?: number;
  continuationToken?: string;
}

export interface ListEntitiesPage {
  entities: EntityStatus[];
  continuationToken?: string;
}

/** Implemented by the durable side; used by the management API, the test API and the CLI. */
export interface DurableEngine {
  /** Creates an instance and returns its id. Rejects with EngineError. */
  startNew(orchestratorName: string, options?: StartOptions): Promise<string>;
  /** Undefined when the instance does not exist. */
  getStatus(instanceId: string, options?: GetStatusOptions): Promise<InstanceStatus | undefined>;
  listInstances(query: ListInstancesQuery): Promise<ListInstancesPage>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
  suspend(instanceId: string, reason: string): Promise<void>;
  resume(instanceId: string, reason: string): Promise<void>;
  /** Returns the number of instances deleted (0 or 1). */
  purgeInstance(instanceId: string): Promise<number>;
  purgeInstances(query: PurgeQuery): Promise<number>;
  /** One-way operation on an entity, as a client sends it. Rejects with EngineError (bad-request). */
  signalEntity(entity: EntityRef, operationName: string, input: unknown): Promise<void>;
  readEntityState(entity: EntityRef): Promise<EntityStateResponse>;
  listEntities(query: ListEntitiesQuery): Promise<ListEntitiesPage>;
  /** Resolves when no orchestration or activity work is queued or running. */
  whenIdle(): Promise<void>;
  /** Begins dispatching persisted and new work. */
  start(): Promise<void>;
  /** Stops dispatching and closes the store; in-flight work is abandoned and redone after a restart. */
  stop(): Promise<void>;
}
