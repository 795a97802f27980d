/**
 * One orchestration episode on the host side: a TypeScript port of the parts of DTFx
 * (`TaskOrchestrationExecutor`, `TaskOrchestrationContext`, `RetryInterceptor`) and of the Durable
 * extension (`OutOfProcOrchestrationShim`, `DurableOrchestrationContext`) that decide which event IDs
 * exist, when an instance is done and how it fails.
 *
 * The shim walks durable-functions' cumulative action list and awaits each action, while history events
 * are fed in one at a time with every continuation run in between (a macrotask flush stands in for
 * .NET's synchronous task scheduler). That interleaving is what makes the single shared ID counter come
 * out in the same order as the SDK's own numbering (durable-host-protocol.md §4.1).
 *
 * Why this file is longer than 400 lines: the context, the shim loop and the event dispatch share one
 * ID counter and one set of open tasks whose interleaving is the point; split apart, their ordering
 * would live in no single place. The real-engine recordings (test/conformance/realDurable.test.ts) pin it.
 */
import type {
  DurableFunctionKind,
  HistoryEvent,
  OrchestratorInvocationResult,
  OrchestratorState,
} from '../contract';
import { EventType, eventTypeName, numberField, stringField } from './historyEvents';
import { OrchestrationEntities, type EntityCallHost } from './orchestrationEntities';

/**
 * The .NET stack the real extension (3.19.0) puts after `StackTrace:` when an out-of-process orchestrator
 * fails: the shim rethrows from the task it blocked on, so it is the same text for every failure (recorded
 * in test/fixtures/real-durable/sub-orchestrations.json).
 */
export const SHIM_FAILURE_STACK =
  '   at System.Threading.Tasks.Task.ThrowIfExceptional(Boolean includeTaskCanceledExceptions)\n' +
  '   at System.Threading.Tasks.Task`1.GetResultCore(Boolean waitCompletionNotification)\n' +
  '   at Microsoft.Azure.WebJobs.Extensions.DurableTask.TaskOrchestrationShim.InvokeUserCodeAndHandleResults(' +
  'RegisteredFunctionInfo orchestratorInfo, OrchestrationContext innerContext) in ' +
  '/_/src/WebJobs.Extensions.DurableTask/Listener/TaskOrchestrationShim.cs:line 148';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, message: string) => void;

export type CompletionStatus = 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew';

export type Decision =
  | { kind: 'scheduleTask'; id: number; name: string; input: string | undefined }
  | { kind: 'createTimer'; id: number; fireAt: number }
  /** DTFx `SendEvent`: entity requests, lock requests and releases. */
  | { kind: 'sendEvent'; id: number; instanceId: string; name: string; input: string }
  | {
      kind: 'createSubOrchestration';
      id: number;
      name: string;
      instanceId: string;
      input: string | null;
      version: string | undefined;
    }
  | {
      kind: 'complete';
      id: number;
      status: CompletionStatus;
      result: string | null;
      details: string | null;
      failureDetails: WireFailureDetails | undefined;
      carryoverEvents: HistoryEvent[];
    };

export interface WireFailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace: string | null;
  IsNonRetriable: boolean;
  Properties?: Record<string, unknown> | null;
  InnerFailure?: WireFailureDetails | null;
}

export interface ReplayOptions {
  instanceId: string;
  executionId: string;
  name: string;
  parentInstanceId: string | null;
  maxShortTimerMs: number;
  longTimerIntervalMs: number;
  failureFormat: 'legacy' | 'failureDetails';
  hasFunction(name: string, kind: DurableFunctionKind): boolean;
  logger: Logger;
}

export interface ReplayOutcome {
  /** New orchestrator actions, in ID order: what DTFx's dispatcher turns into history and messages. */
  decisions: Decision[];
  /** Set only when the SDK sent a non-null custom status (the shim ignores null). */
  customStatus: unknown;
  isSuspended: boolean;
  /**
   * The SDK is not done, yet nothing the host tracks (task, timer, sub-orchestration, event waiter) can
   * ever resume it: the watchdog condition.
   */
  stalled: boolean;
}

/** DTFx `FakeTimerIdToSplitDecision`: a TimerCreated with this ID is never matched. */
const FAKE_TIMER_ID = -100;

class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: Error) => void;
  settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = (value) => {
        if (this.settled) {
          return;
        }
        this.settled = true;
        resolve(value);
      };
      this.reject = (error) => {
        if (this.settled) {
          return;
        }
        this.settled = true;
        reject(error);
      };
    });
    // Faults are observed by the shim's swallowing await; never let them surface as unhandled.
    this.promise.catch(() => undefined);
  }
}

class CancellationToken {
  cancelled = false;
  private readonly callbacks: (() => void)[] = [];

  register(callback: () => void): void {
    if (this.cancelled) {
      callback();
    } else {
      this.callbacks.push(callback);
    }
  }

  cancel(): void {
    if (this.cancelled) {
      return;
    }
    this.cancelled = true;
    for (const callback of this.callbacks.splice(0)) {
      callback();
    }
  }
}

/** DTFx `TaskFailedException` / `SubOrchestrationFailedException`, as far as retry logic needs it. */
export class TaskFailedError extends Error {
  constructor(
    message: string,
    readonly failureDetails: WireFailureDetails | undefined,
  ) {
    super(message);
    this.name = 'TaskFailedException';
  }
}

class TaskCanceledError extends Error {
  constructor() {
    super('A task was canceled.');
    this.name = 'TaskCanceledException';
  }
}

/** The extension's `OrchestrationFailureException`: reason + details. */
class OrchestrationFailureError extends Error {
  constructor(
    message: string,
    readonly details: string,
  ) {
    super(message);
    this.name = 'OrchestrationFailureException';
  }
}

class NonDeterministicOrchestrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NonDeterministicOrchestrationException';
  }
}

/** An argument the extension refuses while scheduling (unknown function, bad ID, delay limits). */
class ArgumentError extends Error {
  constructor(message: string, paramName?: string) {
    super(paramName === undefined ? message : `${message} (Parameter '${paramName}')`);
    this.name = 'ArgumentException';
  }
}

interface OpenTask {
  name: string | null;
  deferred: Deferred<string | null>;
}

interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxNumberOfAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
  retryTimeoutMs: number;
}

/** Extension default (`RetryOptions.DefaultMaxRetryinterval`). */
const DEFAULT_MAX_RETRY_INTERVAL_MS = 6 * 86_400_000;

interface SdkAction {
  actionType?: unknown;
  functionName?: unknown;
  input?: unknown;
  instanceId?: unknown;
  version?: unknown;
  fireAt?: unknown;
  isCanceled?: unknown;
  externalEventName?: unknown;
  retryOptions?: unknown;
  compoundActions?: unknown;
  operation?: unknown;
  lockSet?: unknown;
  lockRequestId?: unknown;
}

function flush(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** `MessagePayloadDataConverter.Serialize`: null stays null, anything else becomes JSON text. */
function serialize(value: unknown): string | null {
  if (value === undefined || value === null) {
    return null;
  }
  return JSON.stringify(value);
}

function formatDays(ms: number): string {
  return String(ms / 86_400_000);
}

class EpisodeContext implements EntityCallHost {
  // DTFx TaskOrchestrationContext
  idCounter = 0;
  readonly openTasks = new Map<number, OpenTask>();
  actions = new Map<number, Decision>();
  continueAsNew: { input: string | null } | undefined;
  readonly carryoverEvents: HistoryEvent[] = [];
  executionCompletedOrTerminated = false;
  currentUtcDateTime = 0;
  isReplaying = true;
  isSuspended = false;
  readonly eventsWhileSuspended: HistoryEvent[] = [];
  suspendedActions = new Map<number, Decision>();

  // Extension DurableOrchestrationContext
  readonly pendingExternalEvents = new Map<string, Deferred<string | null>[]>();
  readonly bufferedExternalEvents = new Map<string, (string | null)[]>();
  isLongRunningTimer = false;
  customStatus: unknown = undefined;
  output: unknown = undefined;
  readonly entities: OrchestrationEntities = new OrchestrationEntities(this);

  constructor(readonly options: ReplayOptions) {}

  get instanceId(): string {
    return this.options.instanceId;
  }

  get executionId(): string {
    return this.options.executionId;
  }

  sendEvent(targetInstanceId: string, eventName: string, input: string): void {
    const id = this.idCounter++;
    this.addAction({ kind: 'sendEvent', id, instanceId: targetInstanceId, name: eventName, input });
  }

  throwIfEntityDoesNotExist(name: string): void {
    this.throwIfFunctionDoesNotExist(name, 'entityTrigger');
  }

  private addAction(decision: Decision): void {
    this.actions.set(decision.id, decision);
  }

  private openTask(id: number, name: string | null): Deferred<string | null> {
    const deferred = new Deferred<string | null>();
    this.openTasks.set(id, { name, deferred });
    return deferred;
  }

  // ---- DTFx scheduling primitives (each takes the next ID from the one shared counter) ----

  scheduleTask(name: string, input: string | undefined): Promise<string | null> {
    const id = this.idCounter++;
    this.addAction({ kind: 'scheduleTask', id, name, input });
    return this.openTask(id, name).promise;
  }

  createSubOrchestrationInstance(
    name: string,
    version: string | undefined,
    instanceId: string | undefined,
    input: string | null,
  ): Promise<string | null> {
    const id = this.idCounter++;
    const actualInstanceId =
      instanceId === undefined || instanceId.trim() === '' ? `${this.options.executionId}:${id}` : instanceId;
    this.addAction({
      kind: 'createSubOrchestration',
      id,
      name,
      instanceId: actualInstanceId,
      input,
      version,
    });
    return this.openTask(id, name).promise;
  }

  createTimer(fireAt: number, cancelToken?: CancellationToken): Promise<string | null> {
    const id = this.idCounter++;
    this.addAction({ kind: 'createTimer', id, fireAt });
    const deferred = this.openTask(id, null);
    cancelToken?.register(() => {
      if (!deferred.settled) {
        deferred.reject(new TaskCanceledError());
        this.openTasks.delete(id);
      }
    });
    return deferred.promise;
  }

  completeOrchestration(
    result: string | null,
    details: string | null,
    status: Exclude<CompletionStatus, 'ContinuedAsNew'>,
    failureDetails?: WireFailureDetails,
  ): void {
    // The shim releases whatever locks the code still holds once the orchestration is over. The extension
    // skips this when the orchestrator failed, leaving the entities locked for good; the host releases
    // them on every ending, so a failed section cannot block others forever.
    this.entities.releaseLocks();
    const id = this.idCounter++;
    if (status === 'Completed' && this.continueAsNew) {
      this.addAction({
        kind: 'complete',
        id,
        status: 'ContinuedAsNew',
        result: this.continueAsNew.input,
        details: null,
        failureDetails: undefined,
        carryoverEvents: this.carryoverEvents,
      });
      return;
    }
    if (this.executionCompletedOrTerminated) {
      return;
    }
    this.executionCompletedOrTerminated = true;
    this.addAction({ kind: 'complete', id, status, result, details, failureDetails, carryoverEvents: [] });
  }

  failOrchestration(failure: unknown): void {
    const error = failure instanceof Error ? failure : new Error(String(failure));
    const reason = error.message;
    if (this.options.failureFormat === 'failureDetails') {
      const details: WireFailureDetails =
        error instanceof TaskFailedError && error.failureDetails
          ? error.failureDetails
          : {
              ErrorType: error.name,
              ErrorMessage: reason,
              StackTrace: error.stack ?? null,
              IsNonRetriable: false,
            };
      this.completeOrchestration(reason, null, 'Failed', details);
      return;
    }
    const details =
      error instanceof OrchestrationFailureError
        ? error.details
        : `Unhandled exception while executing orchestration: ${error.name}: ${reason}\n\t${error.stack ?? ''}`;
    this.completeOrchestration(reason, details, 'Failed');
  }

  // ---- DTFx history handlers ----

  private nonDeterministic(message: string): never {
    throw new NonDeterministicOrchestrationError(message);
  }

  private matchScheduled(event: HistoryEvent, kind: Decision['kind'], what: string): Decision {
    const id = event.EventId;
    const action = this.actions.get(id);
    if (!action) {
      this.nonDeterministic(
        `A previous execution of this orchestration scheduled ${what} with sequence ID ${id}${describeScheduled(event)}, ` +
          `but the current replay execution hasn't (yet?) scheduled this task. Was a change made to the ` +
          `orchestrator code after this instance had already started running?`,
      );
    }
    if (action.kind !== kind) {
      this.nonDeterministic(
        `A previous execution of this orchestration scheduled ${what} with sequence ID ${id}${describeScheduled(event)}, ` +
          `but the current orchestration replay instead produced a ${decisionLabel(action)} action with this ` +
          `sequence number. Was a change made to the orchestrator code after this instance had already started running?`,
      );
    }
    return action;
  }

  handleTaskScheduled(event: HistoryEvent): void {
    const action = this.matchScheduled(event, 'scheduleTask', 'an activity task');
    const recordedName = stringField(event, 'Name') ?? '';
    if (action.kind === 'scheduleTask' && action.name.toLowerCase() !== recordedName.toLowerCase()) {
      this.nonDeterministic(
        `A previous execution of this orchestration scheduled an activity task with sequence number ${event.EventId} ` +
          `named '${recordedName}', but the current orchestration replay instead scheduled an activity task named ` +
          `'${action.name}' with this sequence number.  Was a change made to the orchestrator code after this ` +
          `instance had already started running?`,
      );
    }
    this.actions.delete(event.EventId);
  }

  /** DTFx `HandleEventSentEvent`: the replay must have sent the same event with the same ID. */
  handleEventSent(event: HistoryEvent): void {
    this.matchScheduled(event, 'sendEvent', 'a send event task');
    this.actions.delete(event.EventId);
  }

  handleTimerCreated(event: HistoryEvent): void {
    if (event.EventId === FAKE_TIMER_ID) {
      return;
    }
    this.matchScheduled(event, 'createTimer', 'a timer task');
    this.actions.delete(event.EventId);
  }

  handleSubOrchestrationCreated(event: HistoryEvent): void {
    const action = this.matchScheduled(event, 'createSubOrchestration', 'a sub-orchestration task');
    const recordedName = stringField(event, 'Name') ?? '';
    if (
      action.kind === 'createSubOrchestration' &&
      action.name.toLowerCase() !== recordedName.toLowerCase()
    ) {
      this.nonDeterministic(
        `A previous execution of this orchestration scheduled a sub-orchestration task with sequence ID ` +
          `${event.EventId} and name '${recordedName}', but the current orchestration replay instead scheduled a ` +
          `sub-orchestration task with name ${action.name} at this sequence number. Was a change made to the ` +
          `orchestrator code after this instance had already started running?`,
      );
    }
    this.actions.delete(event.EventId);
  }

  handleCompletion(event: HistoryEvent, idField: 'TaskScheduledId' | 'TimerId', source: string): void {
    const taskId = numberField(event, idField) ?? Number.NaN;
    const open = this.openTasks.get(taskId);
    if (!open) {
      this.options.logger('debug', `Duplicate ${source} event for task ${taskId} ignored`);
      return;
    }
    this.openTasks.delete(taskId);
    switch (event.EventType) {
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceFailed: {
        const failureDetails = event.FailureDetails as WireFailureDetails | undefined;
        open.deferred.reject(
          new TaskFailedError(stringField(event, 'Reason') ?? '', failureDetails ?? undefined),
        );
        break;
      }
      case EventType.TimerFired:
        open.deferred.resolve(String(taskId));
        break;
      default:
        open.deferred.resolve(stringField(event, 'Result') ?? null);
    }
  }

  // ---- Extension-level APIs the shim calls ----

  raiseEvent(name: string, input: string | null): void {
    const key = name.toLowerCase();
    const waiters = this.pendingExternalEvents.get(key);
    const waiter = waiters?.pop();
    if (waiters && waiter) {
      if (waiters.length === 0) {
        this.pendingExternalEvents.delete(key);
      }
      waiter.resolve(input);
      return;
    }
    const queue = this.bufferedExternalEvents.get(key) ?? [];
    queue.push(input);
    this.bufferedExternalEvents.set(key, queue);
  }

  waitForExternalEvent(name: string): Promise<string | null> {
    const key = name.toLowerCase();
    const deferred = new Deferred<string | null>();
    const waiters = this.pendingExternalEvents.get(key) ?? [];
    waiters.push(deferred);
    this.pendingExternalEvents.set(key, waiters);
    const queue = this.bufferedExternalEvents.get(key);
    if (queue && queue.length > 0) {
      const input = queue.shift() ?? null;
      if (queue.length === 0) {
        this.bufferedExternalEvents.delete(key);
      }
      this.raiseEvent(name, input);
    }
    return deferred.promise;
  }

  /** Extension `CreateTimer`: splits timers longer than the provider's maximum delay (§4.3). */
  async createDurableTimer(fireAt: number, cancelToken: CancellationToken): Promise<void> {
    const { maxShortTimerMs, longTimerIntervalMs } = this.options;
    let intervalFireAt = fireAt;
    if (fireAt - this.currentUtcDateTime > maxShortTimerMs) {
      this.isLongRunningTimer = true;
      intervalFireAt = this.currentUtcDateTime + longTimerIntervalMs;
    }
    if (!this.isLongRunningTimer) {
      await this.createTimer(fireAt, cancelToken);
    } else {
      while (this.currentUtcDateTime < fireAt && !cancelToken.cancelled) {
        await this.createTimer(intervalFireAt, cancelToken);
        const remaining = fireAt - this.currentUtcDateTime;
        if (remaining <= 0) {
          break;
        }
        intervalFireAt = this.currentUtcDateTime + Math.min(remaining, longTimerIntervalMs);
      }
    }
    this.isLongRunningTimer = false;
  }

  private validateDelay(ms: number, paramName: string): void {
    if (ms > this.options.maxShortTimerMs) {
      throw new ArgumentError(
        `The Azure Storage provider supports a maximum of ${formatDays(this.options.maxShortTimerMs)} days for time-based delays`,
        paramName,
      );
    }
  }

  private throwIfFunctionDoesNotExist(name: string, kind: DurableFunctionKind): void {
    if (this.options.hasFunction(name, kind)) {
      return;
    }
    const label =
      kind === 'activityTrigger' ? 'an activity' : kind === 'entityTrigger' ? 'an entity' : 'an orchestrator';
    throw new ArgumentError(
      `The function '${name}' doesn't exist, is disabled, or is not ${label} function.`,
    );
  }

  /** DTFx `RetryInterceptor.Invoke`, including the zero-delay "dummy timer" after the last attempt. */
  private async retry(
    policy: RetryPolicy,
    what: string,
    call: () => Promise<string | null>,
  ): Promise<string | null> {
    let lastError: Error | undefined;
    const firstAttempt = this.currentUtcDateTime;
    for (let retryCount = 0; retryCount < policy.maxNumberOfAttempts; retryCount++) {
      try {
        return await call();
      } catch (error) {
        if (error instanceof TaskFailedError && error.failureDetails?.IsNonRetriable === true) {
          throw error;
        }
        lastError = error instanceof Error ? error : new Error(String(error));
      }
      if (retryCount + 1 === policy.maxNumberOfAttempts) {
        await this.createTimer(this.currentUtcDateTime);
        break;
      }
      const delay = this.computeNextDelay(policy, retryCount, firstAttempt);
      if (delay === 0) {
        if (!this.isReplaying) {
          this.options.logger(
            'warn',
            `HANG: instance '${this.options.instanceId}': the retry loop of ${what} gave up after attempt ` +
              `${retryCount + 1} because retryTimeoutInMilliseconds (${policy.retryTimeoutMs} ms) has passed. ` +
              `The real host schedules no timer here, and durable-functions keeps waiting for one, so this ` +
              `instance stays Running forever (azure-functions-durable-js#629). Avoid retryTimeoutInMilliseconds.`,
          );
        }
        break;
      }
      await this.createTimer(this.currentUtcDateTime + delay);
    }
    if (lastError !== undefined) {
      throw lastError;
    }
    return null;
  }

  private computeNextDelay(policy: RetryPolicy, attempt: number, firstAttempt: number): number {
    const expiration = Number.isFinite(policy.retryTimeoutMs)
      ? firstAttempt + policy.retryTimeoutMs
      : Infinity;
    if (!(this.currentUtcDateTime < expiration)) {
      return 0;
    }
    const next = policy.firstRetryIntervalMs * Math.pow(policy.backoffCoefficient, attempt);
    return Math.round(next < policy.maxRetryIntervalMs ? next : policy.maxRetryIntervalMs);
  }

  private parseRetryOptions(raw: unknown): RetryPolicy {
    const options = (raw ?? {}) as Record<string, unknown>;
    const intOf = (field: string): number | undefined => {
      const value = options[field];
      return typeof value === 'number' ? Math.trunc(value) : undefined;
    };
    const first = intOf('firstRetryIntervalInMilliseconds');
    if (first === undefined) {
      throw new ArgumentError('Invalid JSON. Must contain field firstRetryIntervalInMilliseconds', 'reader');
    }
    const attempts = intOf('maxNumberOfAttempts');
    if (attempts === undefined) {
      throw new ArgumentError('Invalid JSON. Must contain field maxNumberOfAttempts', 'reader');
    }
    if (first <= 0) {
      throw new ArgumentError('Value must be greater than 0', 'firstRetryInterval');
    }
    const backoff = options.backoffCoefficient;
    return {
      firstRetryIntervalMs: first,
      maxNumberOfAttempts: attempts,
      backoffCoefficient: typeof backoff === 'number' ? backoff : 1,
      maxRetryIntervalMs: intOf('maxRetryIntervalInMilliseconds') ?? DEFAULT_MAX_RETRY_INTERVAL_MS,
      retryTimeoutMs: intOf('retryTimeoutInMilliseconds') ?? Infinity,
    };
  }

  private validateRetry(policy: RetryPolicy): void {
    this.validateDelay(policy.maxRetryIntervalMs, 'MaxRetryInterval');
    this.validateDelay(policy.firstRetryIntervalMs, 'FirstRetryInterval');
  }

  private checkSubOrchestrationId(instanceId: string | undefined): void {
    if (instanceId === undefined) {
      return;
    }
    const lower = instanceId.toLowerCase();
    if (
      lower === this.options.instanceId.toLowerCase() ||
      (this.options.parentInstanceId !== null && lower === this.options.parentInstanceId.toLowerCase())
    ) {
      throw new ArgumentError(
        'The instance ID of a sub-orchestration must be different than the instance ID of a parent orchestration.',
      );
    }
    if (instanceId.startsWith('@')) {
      throw new ArgumentError('instanceId', 'Orchestration instance ids must not start with @');
    }
  }

  /** `OutOfProcOrchestrationShim.InvokeAPIFromAction`. May throw synchronously, which fails the episode. */
  invokeApiFromAction(action: SdkAction): Promise<unknown> {
    const name = typeof action.functionName === 'string' ? action.functionName : '';
    const instanceId = typeof action.instanceId === 'string' ? action.instanceId : undefined;
    switch (action.actionType) {
      case 0: {
        this.throwIfFunctionDoesNotExist(name, 'activityTrigger');
        return this.scheduleTask(name, activityInputJson(action.input));
      }
      case 1: {
        const policy = this.parseRetryOptions(action.retryOptions);
        this.validateRetry(policy);
        this.throwIfFunctionDoesNotExist(name, 'activityTrigger');
        const input = activityInputJson(action.input);
        return this.retry(policy, `activity '${name}'`, () => this.scheduleTask(name, input));
      }
      case 2: {
        this.checkSubOrchestrationId(instanceId);
        this.throwIfFunctionDoesNotExist(name, 'orchestrationTrigger');
        return this.createSubOrchestrationInstance(
          name,
          versionOf(action),
          instanceId,
          serialize(action.input),
        );
      }
      case 3: {
        const policy = this.parseRetryOptions(action.retryOptions);
        this.validateRetry(policy);
        this.checkSubOrchestrationId(instanceId);
        this.throwIfFunctionDoesNotExist(name, 'orchestrationTrigger');
        const input = serialize(action.input);
        return this.retry(policy, `sub-orchestration '${name}'`, () =>
          this.createSubOrchestrationInstance(name, versionOf(action), instanceId, input),
        );
      }
      case 4:
        this.continueAsNew = { input: serialize(action.input) };
        return Promise.resolve();
      case 5: {
        const fireAt = typeof action.fireAt === 'string' ? Date.parse(action.fireAt) : Number.NaN;
        if (Number.isNaN(fireAt)) {
          throw new ArgumentError(`Invalid timer fireAt ${String(action.fireAt)}`, 'fireAt');
        }
        const cancelToken = new CancellationToken();
        const task = this.createDurableTimer(fireAt, cancelToken);
        if (action.isCanceled === true) {
          cancelToken.cancel();
        }
        return task;
      }
      case 6:
        return this.waitForExternalEvent(
          typeof action.externalEventName === 'string' ? action.externalEventName : '',
        );
      case 7:
        return this.entities.callEntity(action);
      case 9:
        return this.entities.signalEntity(action);
      case 13:
        return this.entities.lockEntities(action);
      case 14:
        this.entities.releaseLocks();
        return Promise.resolve();
      case 8:
        throw new Error(
          'callHttp is not supported by the dev host; call HTTP endpoints from an activity instead, or use the real Functions host.',
        );
      case 11:
      case 12: {
        const children = Array.isArray(action.compoundActions) ? (action.compoundActions as SdkAction[]) : [];
        const tasks = children.map((child) => this.invokeApiFromAction(child).then(noop, noop));
        return action.actionType === 12 ? Promise.all(tasks) : Promise.race(tasks);
      }
      default:
        throw new Error(
          `Received an unexpected action type from the out-of-proc function: '$${String(action.actionType)}'.`,
        );
    }
  }
}

function noop(): void {}

function versionOf(action: SdkAction): string | undefined {
  return typeof action.version === 'string' && action.version !== '' ? action.version : undefined;
}

/**
 * The activity input as JSON text: callActivity already JSON-quotes strings (§3.4), so a string action
 * input is JSON text as is; other values are serialized. No input means none.
 */
function activityInputJson(input: unknown): string | undefined {
  if (input === undefined || input === null) {
    return undefined;
  }
  return typeof input === 'string' ? input : JSON.stringify(input);
}

function describeScheduled(event: HistoryEvent): string {
  const name = stringField(event, 'Name');
  return name === undefined ? '' : ` and name '${name}'`;
}

function decisionLabel(decision: Decision): string {
  switch (decision.kind) {
    case 'scheduleTask':
      return `ScheduleTaskOrchestratorAction ('${decision.name}')`;
    case 'createTimer':
      return 'CreateTimerOrchestratorAction';
    case 'createSubOrchestration':
      return `CreateSubOrchestrationAction ('${decision.name}')`;
    case 'sendEvent':
      return `SendEventOrchestratorAction ('${decision.name}')`;
    case 'complete':
      return 'OrchestrationCompleteOrchestratorAction';
  }
}

/**
 * Replays one episode. `history` is the whole current execution including this episode's new events;
 * events before `pastCount` are replayed, the rest are new.
 *
 * One long function on purpose: its closures share the episode's ID counter, open tasks and event
 * feed, and the order in which they run is what the real-engine recordings check.
 */
export async function replayEpisode(
  history: HistoryEvent[],
  pastCount: number,
  invocation: Exclude<OrchestratorInvocationResult, { kind: 'infrastructureError' }>,
  options: ReplayOptions,
): Promise<ReplayOutcome> {
  const ctx = new EpisodeContext(options);
  const state: OrchestratorState = invocation.state;
  let shimDone = false;
  let shimError: unknown;
  let shimFailed = false;
  let shimStarted = false;
  let moreWork = false;

  const runShim = async (): Promise<void> => {
    if (state.customStatus !== null && state.customStatus !== undefined) {
      ctx.customStatus = state.customStatus;
    }
    const outer = Array.isArray(state.actions) ? state.actions : [];
    if (outer.length !== 1) {
      throw new ArgumentError(
        `With OOProc schema V3, expected actions array to be of length 1 in outer layer but got size: ${outer.length}`,
      );
    }
    for (const action of outer[0] as SdkAction[]) {
      const task = ctx.invokeApiFromAction(action);
      try {
        await task;
      } catch {
        // The SDK owns exception handling; a failed task must not interrupt the replay (as in the shim).
      }
    }
    if (typeof state.error === 'string' && state.error !== '') {
      throw new OrchestrationFailureError(
        `Orchestrator function '${options.name}' failed: ${state.error}`,
        `Message: ${state.error}, StackTrace: ${SHIM_FAILURE_STACK}`,
      );
    }
    if (state.isDone) {
      ctx.output = state.output;
      return;
    }
    moreWork = true;
  };

  const startShim = (): void => {
    shimStarted = true;
    let promise: Promise<void>;
    try {
      promise = runShim();
    } catch (error) {
      promise = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    promise.then(
      () => {
        if (!moreWork) {
          shimDone = true;
        }
      },
      (error: unknown) => {
        shimDone = true;
        shimFailed = true;
        shimError =
          error instanceof OrchestrationFailureError
            ? error
            : new OrchestrationFailureError(
                `Orchestrator function '${options.name}' failed: ${error instanceof Error ? error.message : String(error)}`,
                `Message: ${error instanceof Error ? error.message : String(error)}`,
              );
      },
    );
  };

  const processEvent = async (event: HistoryEvent): Promise<void> => {
    const overridesSuspension =
      event.EventType === EventType.ExecutionResumed || event.EventType === EventType.ExecutionTerminated;
    if (ctx.isSuspended && !overridesSuspension) {
      if (event.EventType !== EventType.ExecutionSuspended) {
        ctx.eventsWhileSuspended.push(event);
      }
      return;
    }
    switch (event.EventType) {
      case EventType.ExecutionStarted:
        startShim();
        await flush();
        break;
      case EventType.ExecutionTerminated:
        ctx.completeOrchestration(stringField(event, 'Input') ?? null, null, 'Terminated');
        break;
      case EventType.TaskScheduled:
        ctx.handleTaskScheduled(event);
        break;
      case EventType.TimerCreated:
        ctx.handleTimerCreated(event);
        break;
      case EventType.SubOrchestrationInstanceCreated:
        ctx.handleSubOrchestrationCreated(event);
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        ctx.handleCompletion(event, 'TaskScheduledId', eventTypeName(event.EventType));
        await flush();
        break;
      case EventType.TimerFired:
        ctx.handleCompletion(event, 'TimerId', 'TimerFired');
        await flush();
        break;
      case EventType.EventSent:
        ctx.handleEventSent(event);
        break;
      case EventType.EventRaised:
        if (ctx.continueAsNew) {
          ctx.carryoverEvents.push(event);
        } else {
          ctx.raiseEvent(stringField(event, 'Name') ?? '', stringField(event, 'Input') ?? null);
          await flush();
        }
        break;
      case EventType.ExecutionSuspended:
        ctx.isSuspended = true;
        for (const [id, action] of ctx.actions) {
          ctx.suspendedActions.set(id, action);
        }
        ctx.actions.clear();
        break;
      case EventType.ExecutionResumed: {
        ctx.isSuspended = false;
        for (const [id, action] of ctx.suspendedActions) {
          ctx.actions.set(id, action);
        }
        ctx.suspendedActions.clear();
        while (ctx.eventsWhileSuspended.length > 0) {
          const queued = ctx.eventsWhileSuspended.shift();
          if (queued) {
            await processEvent(queued);
          }
        }
        break;
      }
      default:
        break;
    }
  };

  try {
    for (let index = 0; index < history.length; index++) {
      const event = history[index];
      if (!event) {
        continue;
      }
      ctx.isReplaying = index < pastCount;
      if (event.EventType === EventType.OrchestratorStarted) {
        ctx.currentUtcDateTime = Date.parse(event.Timestamp);
        continue;
      }
      await processEvent(event);
    }
    await flush();
    if (ctx.openTasks.size === 0 && shimStarted && shimDone) {
      if (shimFailed) {
        ctx.failOrchestration(shimError);
      } else {
        ctx.completeOrchestration(serialize(ctx.output), null, 'Completed');
      }
    }
  } catch (error) {
    if (!(error instanceof NonDeterministicOrchestrationError)) {
      throw error;
    }
    options.logger('error', `Instance '${options.instanceId}' failed its replay: ${error.message}`);
    ctx.failOrchestration(error);
  }

  const decisions = [...ctx.actions.values()].sort((a, b) => a.id - b.id);
  const completing = decisions.some((decision) => decision.kind === 'complete');
  const waitingOnEvents = [...ctx.pendingExternalEvents.values()].some((waiters) => waiters.length > 0);
  return {
    decisions,
    customStatus: ctx.customStatus,
    isSuspended: ctx.isSuspended,
    stalled:
      !completing &&
      !ctx.isSuspended &&
      !state.isDone &&
      ctx.openTasks.size === 0 &&
      !waitingOnEvents &&
      decisions.length === 0,
  };
}
