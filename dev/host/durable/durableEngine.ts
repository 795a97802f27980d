import { randomUUID } from 'node:crypto';

import type { Clock, ScheduledCallback } from '../../clock';
import {
  EngineError,
  type DurableEngine,
  type FunctionInvoker,
  type GetStatusOptions,
  type HistoryEvent,
  type InstanceStatus,
  type ListInstancesPage,
  type ListInstancesQuery,
  type OrchestrationTriggerPayload,
  type PurgeQuery,
  type RuntimeStatus,
  type StartOptions,
} from '../contract';
import {
  EventType,
  eventTypeName,
  formatTimeSpan,
  historyEvent,
  parseJsonOrRaw,
  stringField,
} from './historyEvents';
import {
  replayEpisode,
  type Decision,
  type Logger,
  type LogLevel,
  type ReplayOutcome,
} from './replayEpisode';
import { OrchestrationStatusNumber, toInstanceStatus } from './instanceStatus';
import {
  DurableStore,
  type ActivityRow,
  type InstanceRow,
  type NewActivity,
  type NewMessage,
  type ParentInfo,
} from './durableStore';

export interface DurableEngineOptions {
  clock: Clock;
  invoker: FunctionInvoker;
  /** Directory for `durable.sqlite`; undefined keeps everything in memory. */
  dataDir?: string;
  /** @default 'TestHubName' */
  taskHub?: string;
  /** Longest single durable timer; longer ones are split. @default 6 days (Azure Storage) */
  maxShortTimerMs?: number;
  /** Sub-timer length for split timers. @default 3 days (Azure Storage) */
  longTimerIntervalMs?: number;
  /** How activity failures reach the orchestrator (§4.9). @default 'legacy' */
  failureFormat?: 'legacy' | 'failureDetails';
  /** @default 10 */
  maxConcurrentActivities?: number;
  /** @default 10 */
  maxConcurrentOrchestrations?: number;
  /** `StoreInputsInOrchestrationHistory`: keep inputs on TaskScheduled/SubOrchestrationInstanceCreated. @default false */
  storeInputsInHistory?: boolean;
  /** @default 30000 */
  defaultHttpAsyncRequestSleepTimeMs?: number;
  /** Defaults to console output for warnings and errors. */
  logger?: (level: LogLevel, message: string) => void;
}

/** The engine plus what tests and tooling need beyond the contract. */
export interface DevDurableEngine extends DurableEngine {
  readonly taskHub: string;
  /** Durable timers armed on the clock (not yet due). */
  pendingTimerCount(): number;
  /** The raw stored history of the instance's current execution (wire form), or undefined. */
  getHistory(instanceId: string): HistoryEvent[] | undefined;
  /**
   * Holds orchestration episodes (activities keep running) so that several completions land in one
   * episode, as they do on a busy real host. Queued messages wait until {@link resumeOrchestrations}.
   */
  pauseOrchestrations(): void;
  resumeOrchestrations(): void;
}

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);
/** `OverridableExistingInstanceStates.NonRunningStates`: these block a new start with the same ID. */
const RUNNING: ReadonlySet<RuntimeStatus> = new Set(['Pending', 'Running', 'Suspended', 'ContinuedAsNew']);
const MAX_INSTANCE_ID_LENGTH = 256;
/** continueAsNew generations one episode may run back to back (they never leave the episode otherwise). */
const MAX_GENERATIONS_PER_EPISODE = 100;
const DAY_MS = 86_400_000;
/** .NET `TimeSpan.MaxValue`, what non-splitting providers advertise. */
const TIMESPAN_MAX = '10675199.02:48:05.4775807';

function defaultLogger(level: LogLevel, message: string): void {
  if (level === 'error') console.error(`[durable] ${message}`);
  else if (level === 'warn') console.warn(`[durable] ${message}`);
}

function newGuidN(): string {
  return randomUUID().replace(/-/g, '');
}

function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL.has(status);
}

function timeSpanOption(ms: number): string {
  return Number.isFinite(ms) ? formatTimeSpan(ms) : TIMESPAN_MAX;
}

interface EpisodeResult {
  row: InstanceRow;
  /** Events for the instance's (possibly new) current execution. */
  history: HistoryEvent[];
  replaceHistory: boolean;
  messages: NewMessage[];
  activities: NewActivity[];
  children: { row: InstanceRow; start: HistoryEvent }[];
}

class Engine implements DevDurableEngine {
  readonly taskHub: string;
  private readonly clock: Clock;
  private readonly invoker: FunctionInvoker;
  private readonly store: DurableStore;
  private readonly log: Logger;
  private readonly maxShortTimerMs: number;
  private readonly longTimerIntervalMs: number;
  private readonly failureFormat: 'legacy' | 'failureDetails';
  private readonly maxActivities: number;
  private readonly maxOrchestrations: number;
  private readonly storeInputs: boolean;
  private readonly httpSleepMs: number;
  private readonly armed = new Map<number, ScheduledCallback>();
  private readonly activeEpisodes = new Set<string>();
  private readonly activeActivities = new Set<number>();
  private idleWaiters: (() => void)[] = [];
  private running = false;
  private stopped = false;
  private pumping = false;
  private pumpAgain = false;
  private orchestrationsPaused = false;

  constructor(options: DurableEngineOptions) {
    this.clock = options.clock;
    this.invoker = options.invoker;
    this.taskHub = options.taskHub ?? 'TestHubName';
    this.log = options.logger ?? defaultLogger;
    this.maxShortTimerMs = options.maxShortTimerMs ?? 6 * DAY_MS;
    this.longTimerIntervalMs = options.longTimerIntervalMs ?? 3 * DAY_MS;
    if (!(this.longTimerIntervalMs > 0) || this.longTimerIntervalMs > this.maxShortTimerMs) {
      throw new RangeError(
        `longTimerIntervalMs (${this.longTimerIntervalMs}) must be positive and at most maxShortTimerMs (${this.maxShortTimerMs})`,
      );
    }
    this.failureFormat = options.failureFormat ?? 'legacy';
    this.maxActivities = options.maxConcurrentActivities ?? 10;
    this.maxOrchestrations = options.maxConcurrentOrchestrations ?? 10;
    this.storeInputs = options.storeInputsInHistory ?? false;
    this.httpSleepMs = options.defaultHttpAsyncRequestSleepTimeMs ?? 30_000;
    this.store = new DurableStore(options.dataDir, this.taskHub);
  }

  // ---------------------------------------------------------------- lifecycle

  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('This durable engine was stopped; create a new one.'));
    if (this.running) return Promise.resolve();
    this.running = true;
    for (const message of this.store.futureMessages(this.clock.now()))
      this.arm(message.id, message.visibleAt);
    this.pump();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    for (const handle of this.armed.values()) handle.cancel();
    this.armed.clear();
    this.store.close();
    this.resolveIdle();
    return Promise.resolve();
  }

  pendingTimerCount(): number {
    return this.armed.size;
  }

  pauseOrchestrations(): void {
    this.orchestrationsPaused = true;
  }

  resumeOrchestrations(): void {
    this.orchestrationsPaused = false;
    this.pump();
  }

  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    if (!this.running) return true;
    if (this.activeEpisodes.size > 0 || this.activeActivities.size > 0) return false;
    const counts = this.store.counts();
    if (counts.activities > 0) return false;
    return this.store.readyInstanceIds(this.clock.now()).length === 0;
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  private arm(messageId: number, dueAt: number): void {
    if (!this.running || this.armed.has(messageId)) return;
    const handle = this.clock.schedule(dueAt, () => {
      this.armed.delete(messageId);
      this.pump();
    });
    this.armed.set(messageId, handle);
  }

  /** Starts whatever work is ready, up to the concurrency limits. Synchronous, so clock tracking is gap-free. */
  private pump(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const now = this.clock.now();
        for (const instanceId of this.orchestrationsPaused ? [] : this.store.readyInstanceIds(now)) {
          if (this.activeEpisodes.size >= this.maxOrchestrations) break;
          if (this.activeEpisodes.has(instanceId)) continue;
          this.activeEpisodes.add(instanceId);
          void this.clock.track(
            this.runEpisodeOrFail(instanceId).finally(() => {
              this.activeEpisodes.delete(instanceId);
              this.pump();
            }),
          );
        }
        for (const item of this.store.pendingActivities()) {
          if (this.activeActivities.size >= this.maxActivities) break;
          if (this.activeActivities.has(item.id)) continue;
          this.activeActivities.add(item.id);
          void this.clock.track(
            this.guard(`activity '${item.name}'`, () => this.runActivity(item)).finally(() => {
              this.activeActivities.delete(item.id);
              this.pump();
            }),
          );
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.isIdle()) this.resolveIdle();
  }

  /**
   * A bug in the engine (or a corrupt store) must not turn into a hot loop that retries the same
   * messages forever: the instance is failed with the internal error instead, loudly.
   */
  private async runEpisodeOrFail(instanceId: string): Promise<void> {
    try {
      await this.runEpisode(instanceId);
    } catch (error) {
      if (this.stopped) return;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.log('error', `Internal error in the episode of instance '${instanceId}'; failing it: ${message}`);
      try {
        this.store.transaction(() => {
          const row = this.store.getInstance(instanceId);
          this.store.deleteMessages(this.store.messageIdsFor(instanceId));
          if (!row) return;
          this.store.upsertInstance({
            ...row,
            runtimeStatus: 'Failed',
            output: `The dev host failed while running this orchestration: ${error instanceof Error ? error.message : String(error)}`,
            lastUpdatedTime: this.clock.now(),
          });
        });
      } catch (storeError) {
        this.log('error', `Could not record the failure of '${instanceId}': ${String(storeError)}`);
      }
    }
  }

  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.stopped) return;
      this.log(
        'error',
        `Unexpected failure in ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }

  // ---------------------------------------------------------------- client operations

  startNew(orchestratorName: string, options: StartOptions = {}): Promise<string> {
    return settle(() => this.startNewSync(orchestratorName, options));
  }

  private startNewSync(name: string, options: StartOptions): string {
    this.ensureOpen();
    if (!this.invoker.hasFunction(name, 'orchestrationTrigger')) {
      throw new EngineError(
        'bad-request',
        `The function '${name}' doesn't exist, is disabled, or is not an orchestrator function.`,
      );
    }
    const instanceId =
      options.instanceId === undefined || options.instanceId === '' ? newGuidN() : options.instanceId;
    if (instanceId.startsWith('@')) {
      throw new EngineError(
        'bad-request',
        `Orchestration instance ids must not start with @. (instance ID '${instanceId}')`,
      );
    }
    // eslint-disable-next-line no-control-regex
    if (/[/\\?#\u0000-\u001f\u007f-\u009f]/.test(instanceId)) {
      throw new EngineError(
        'bad-request',
        `Orchestration instance ids must not contain /, \\, #, ?, or control characters. (instance ID '${instanceId}')`,
      );
    }
    if (instanceId.length > MAX_INSTANCE_ID_LENGTH) {
      throw new EngineError(
        'bad-request',
        `Instance ID lengths must not exceed ${MAX_INSTANCE_ID_LENGTH} characters.`,
      );
    }
    let inputText: string | null;
    try {
      inputText = options.input === undefined ? null : JSON.stringify(options.input);
    } catch (error) {
      throw new EngineError('bad-request', `The input is not serializable as JSON: ${String(error)}`);
    }
    const now = this.clock.now();
    const executionId = newGuidN();
    const version = options.version ?? null;
    this.store.transaction(() => {
      const existing = this.store.getInstance(instanceId);
      if (existing && RUNNING.has(existing.runtimeStatus)) {
        throw new EngineError(
          'conflict',
          `An Orchestration instance with the status ${existing.runtimeStatus} already exists. (instance ID '${instanceId}')`,
        );
      }
      this.createExecution(
        {
          instanceId,
          name,
          version,
          executionId,
          runtimeStatus: 'Pending',
          input: inputText,
          output: null,
          customStatus: null,
          createdTime: now,
          lastUpdatedTime: now,
          parent: null,
        },
        now,
      );
    });
    this.pump();
    return instanceId;
  }

  /** Resets an instance to a fresh Pending execution and queues its ExecutionStarted message. */
  private createExecution(row: InstanceRow, now: number): HistoryEvent {
    const start = this.executionStartedEvent(row, now, row.parent === null);
    this.store.deleteInstance(row.instanceId);
    this.store.upsertInstance(row);
    this.store.insertMessage({
      instanceId: row.instanceId,
      executionId: row.executionId,
      event: start,
      visibleAt: now,
    });
    return start;
  }

  /** `fromClient`: DTFx sets Generation 0 only on a client start; continueAsNew and sub-orchestrations leave it null. */
  private executionStartedEvent(row: InstanceRow, now: number, fromClient = false): HistoryEvent {
    const fields: Record<string, unknown> = {
      OrchestrationInstance: { InstanceId: row.instanceId, ExecutionId: row.executionId },
      // The DTFx ExecutionStartedEvent data contract as the real extension serializes it (nulls included).
      ParentInstance: null,
      Name: row.name,
      Version: row.version ?? null,
      Input: row.input,
      Tags: null,
      Correlation: null,
      ParentTraceContext: null,
      ScheduledStartTime: null,
      Generation: fromClient ? 0 : null,
      GenerateNewTrace: false,
    };
    if (row.parent) {
      fields.ParentInstance = {
        Name: row.parent.name,
        Version: null,
        OrchestrationInstance: { InstanceId: row.parent.instanceId, ExecutionId: row.parent.executionId },
        TaskScheduleId: row.parent.taskScheduleId,
      };
    }
    return historyEvent(EventType.ExecutionStarted, now, fields);
  }

  getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<InstanceStatus | undefined> {
    return settle(() => this.getStatusSync(instanceId, options));
  }

  private getStatusSync(instanceId: string, options: GetStatusOptions): InstanceStatus | undefined {
    this.ensureOpen();
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    const history = options.showHistory === true ? this.store.loadHistory(instanceId) : undefined;
    return toInstanceStatus(row, history, options);
  }

  getHistory(instanceId: string): HistoryEvent[] | undefined {
    this.ensureOpen();
    return this.store.getInstance(instanceId) ? this.store.loadHistory(instanceId) : undefined;
  }

  listInstances(query: ListInstancesQuery): Promise<ListInstancesPage> {
    return settle(() => this.listInstancesSync(query));
  }

  private listInstancesSync(query: ListInstancesQuery): ListInstancesPage {
    this.ensureOpen();
    let after: { createdTime: number; instanceId: string } | undefined;
    if (query.continuationToken !== undefined && query.continuationToken !== '') {
      after = decodeToken(query.continuationToken);
    }
    const top = query.top !== undefined && query.top > 0 ? Math.floor(query.top) : undefined;
    const rows = this.store.queryInstances({
      createdTimeFrom: query.createdTimeFrom?.getTime(),
      createdTimeTo: query.createdTimeTo?.getTime(),
      runtimeStatus: query.runtimeStatus,
      instanceIdPrefix: query.instanceIdPrefix,
      after,
      limit: top === undefined ? undefined : top + 1,
    });
    const page = top === undefined ? rows : rows.slice(0, top);
    const last = page[page.length - 1];
    const result: ListInstancesPage = {
      instances: page.map((row) => toInstanceStatus(row, undefined, { showInput: query.showInput ?? false })),
    };
    if (top !== undefined && rows.length > top && last) {
      result.continuationToken = Buffer.from(
        JSON.stringify({ t: last.createdTime, i: last.instanceId }),
        'utf8',
      ).toString('base64url');
    }
    return result;
  }

  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    return settle(() => {
      this.ensureOpen();
      if (eventName === '') throw new EngineError('bad-request', 'The event name must not be empty.');
      const input = eventData === undefined ? null : JSON.stringify(eventData);
      this.sendToInstance(instanceId, 'raise an event for', (now) =>
        historyEvent(EventType.EventRaised, now, { Name: eventName, Input: input, ParentTraceContext: null }),
      );
    });
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    return this.control(instanceId, 'terminate', (now) =>
      historyEvent(EventType.ExecutionTerminated, now, { Input: reason }),
    );
  }

  suspend(instanceId: string, reason: string): Promise<void> {
    return this.control(instanceId, 'suspend', (now) =>
      historyEvent(EventType.ExecutionSuspended, now, { Reason: reason }),
    );
  }

  resume(instanceId: string, reason: string): Promise<void> {
    return this.control(instanceId, 'resume', (now) =>
      historyEvent(EventType.ExecutionResumed, now, { Reason: reason }),
    );
  }

  private control(instanceId: string, verb: string, build: (now: number) => HistoryEvent): Promise<void> {
    return settle(() => {
      this.ensureOpen();
      this.sendToInstance(instanceId, verb, build);
    });
  }

  private sendToInstance(instanceId: string, verb: string, build: (now: number) => HistoryEvent): void {
    const row = this.store.getInstance(instanceId);
    if (!row) throw new EngineError('not-found', `No instance with ID '${instanceId}' was found.`);
    if (isTerminal(row.runtimeStatus)) {
      throw new EngineError(
        'gone',
        `Cannot ${verb} instance '${instanceId}' because it is in the ${row.runtimeStatus} state.`,
      );
    }
    const now = this.clock.now();
    this.store.insertMessage({ instanceId, executionId: null, event: build(now), visibleAt: now });
    this.pump();
  }

  purgeInstance(instanceId: string): Promise<number> {
    return settle(() => {
      this.ensureOpen();
      return this.store.transaction(() => this.purgeRow(instanceId));
    });
  }

  purgeInstances(query: PurgeQuery): Promise<number> {
    return settle(() => {
      this.ensureOpen();
      return this.store.transaction(() => {
        const rows = this.store.queryInstances({
          createdTimeFrom: query.createdTimeFrom.getTime(),
          createdTimeTo: query.createdTimeTo?.getTime(),
          runtimeStatus: query.runtimeStatus,
        });
        let count = 0;
        for (const row of rows) count += this.purgeRow(row.instanceId);
        return count;
      });
    });
  }

  private purgeRow(instanceId: string): number {
    for (const id of this.store.messageIdsFor(instanceId)) {
      this.armed.get(id)?.cancel();
      this.armed.delete(id);
    }
    return this.store.deleteInstance(instanceId);
  }

  private ensureOpen(): void {
    if (this.stopped) throw new Error('The durable engine has been stopped.');
  }

  // ---------------------------------------------------------------- activities

  private async runActivity(item: ActivityRow): Promise<void> {
    let event: HistoryEvent;
    try {
      const result = await this.invoker.invokeActivity(item.name, item.input);
      const now = this.clock.now();
      event = result.ok
        ? historyEvent(EventType.TaskCompleted, now, {
            TaskScheduledId: item.taskId,
            Result: result.resultJson,
          })
        : this.taskFailedEvent(item.name, item.taskId, result.error, now);
    } catch (error) {
      // The invoker reports user errors as results; a throw means the invocation machinery broke.
      const message = error instanceof Error ? error.message : String(error);
      this.log('error', `Activity '${item.name}' could not be invoked: ${message}`);
      event = this.taskFailedEvent(
        item.name,
        item.taskId,
        { name: 'Error', message: `The dev host could not invoke the activity: ${message}` },
        this.clock.now(),
      );
    }
    if (this.stopped) return;
    const now = this.clock.now();
    this.store.transaction(() => {
      if (!this.store.deleteActivity(item.id)) return;
      this.store.insertMessage({
        instanceId: item.instanceId,
        executionId: item.executionId,
        event,
        visibleAt: now,
      });
    });
  }

  private taskFailedEvent(
    name: string,
    taskId: number,
    error: { name: string; message: string; stack?: string },
    now: number,
  ): HistoryEvent {
    // The Functions host wraps a worker failure in an RpcException whose message is
    // "Result: Failure\nException: <message>\nStack: <stack>", and the extension's
    // OutOfProcExceptionHelpers takes the text between the labels as the friendly message, so it keeps
    // the space after "Exception:" (seen on the real extension: "failed:  attempt 1 failed").
    const rpcMessage = `Result: Failure\nException: ${error.message}\nStack: ${error.stack ?? ''}`;
    const messageStart = rpcMessage.indexOf('\nException:') + '\nException:'.length;
    const friendly = rpcMessage.slice(messageStart, rpcMessage.indexOf('\nStack:'));
    const reason = `Activity function '${name}' failed: ${friendly}`;
    const details = JSON.stringify({
      $type: 'System.Exception, System.Private.CoreLib',
      ClassName: 'System.Exception',
      Message: friendly,
      Data: null,
      InnerException: {
        $type: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException, Microsoft.Azure.WebJobs.Script',
        ClassName: 'Microsoft.Azure.WebJobs.Script.Workers.Rpc.RpcException',
        Message: rpcMessage,
        RemoteStackTraceString: error.stack ?? null,
      },
      HelpURL: null,
      StackTraceString: null,
      RemoteStackTraceString: null,
      RemoteStackIndex: 0,
      ExceptionMethod: null,
      HResult: -2146233088,
      Source: null,
      WatsonBuckets: null,
    });
    const fields: Record<string, unknown> = { TaskScheduledId: taskId, Reason: reason, Details: details };
    if (this.failureFormat === 'failureDetails') {
      fields.FailureDetails = {
        ErrorType: error.name,
        ErrorMessage: error.message,
        StackTrace: error.stack ?? null,
        IsNonRetriable: false,
        Properties: null,
        InnerFailure: null,
      };
    }
    return historyEvent(EventType.TaskFailed, now, fields);
  }

  // ---------------------------------------------------------------- orchestration episodes

  private async runEpisode(instanceId: string): Promise<void> {
    const messages = this.store.readyMessages(instanceId, this.clock.now());
    if (messages.length === 0) return;
    const consumed = messages.map((message) => message.id);
    const row = this.store.getInstance(instanceId);
    if (!row) {
      this.log('warn', `Dropping ${messages.length} message(s) for unknown instance '${instanceId}'.`);
      this.store.transaction(() => this.store.deleteMessages(consumed));
      return;
    }
    const past = this.store.loadHistory(instanceId);
    let start: HistoryEvent | undefined;
    const accepted: HistoryEvent[] = [];
    for (const message of messages) {
      const event = message.event;
      if (event.EventType === EventType.ExecutionStarted) {
        if (message.executionId !== row.executionId || past.length > 0) {
          this.log(
            'warn',
            `Instance '${instanceId}' is already ${row.runtimeStatus}; a second ExecutionStarted was discarded ` +
              `(a sub-orchestration ID that is still in use leaves its parent waiting forever).`,
          );
          continue;
        }
        start = event;
      } else if (
        isTerminal(row.runtimeStatus) ||
        (message.executionId !== null && message.executionId !== row.executionId)
      ) {
        this.log(
          'debug',
          `Discarding ${eventTypeName(event.EventType)} for instance '${instanceId}' (stale or completed).`,
        );
      } else {
        accepted.push(event);
      }
    }
    if (start === undefined && past.length === 0) {
      if (accepted.length > 0) {
        this.log(
          'warn',
          `Instance '${instanceId}' has no started execution; discarding ${accepted.length} message(s).`,
        );
      }
      accepted.length = 0;
    }
    if (start === undefined && accepted.length === 0) {
      this.store.transaction(() => this.store.deleteMessages(consumed));
      return;
    }
    const now = this.clock.now();
    const fresh = [historyEvent(EventType.OrchestratorStarted, now), ...(start ? [start] : []), ...accepted];
    const result = accepted.some((event) => event.EventType === EventType.ExecutionTerminated)
      ? this.terminateEpisode(row, fresh, now)
      : await this.orchestrateEpisode(row, past, fresh);
    if (result === undefined || this.stopped) return;
    this.commit(row, consumed, result, now);
  }

  private terminateEpisode(row: InstanceRow, fresh: HistoryEvent[], now: number): EpisodeResult {
    const terminated = fresh.find((event) => event.EventType === EventType.ExecutionTerminated);
    const reason = terminated ? (stringField(terminated, 'Input') ?? null) : null;
    const history = [
      ...markPlayed(fresh),
      historyEvent(EventType.ExecutionCompleted, now, {
        OrchestrationStatus: OrchestrationStatusNumber.Terminated,
        Result: reason,
      }),
      historyEvent(EventType.OrchestratorCompleted, now),
    ];
    const updated: InstanceRow = {
      ...row,
      runtimeStatus: 'Terminated',
      output: reason,
      lastUpdatedTime: now,
    };
    const messages: NewMessage[] = [];
    this.notifyParent(updated, 'Terminated', reason, null, undefined, now, messages);
    return { row: updated, history, replaceHistory: false, messages, activities: [], children: [] };
  }

  private async orchestrateEpisode(
    initial: InstanceRow,
    initialPast: HistoryEvent[],
    initialFresh: HistoryEvent[],
  ): Promise<EpisodeResult | undefined> {
    let row = { ...initial };
    let past = initialPast;
    let fresh = initialFresh;
    let replaceHistory = false;
    const messages: NewMessage[] = [];
    const activities: NewActivity[] = [];
    const children: { row: InstanceRow; start: HistoryEvent }[] = [];
    let generations = 0;
    for (;;) {
      const now = this.clock.now();
      const history = [...past, ...fresh];
      const started = history.find((event) => event.EventType === EventType.ExecutionStarted);
      const payload: OrchestrationTriggerPayload = {
        history,
        input: parseJsonOrRaw(started ? (stringField(started, 'Input') ?? null) : null),
        instanceId: row.instanceId,
        isReplaying: past.length > 0,
        parentInstanceId: row.parent?.instanceId ?? null,
        sourceInstanceId: null,
        // What extension 3.19.0 advertises (recorded in test/fixtures/real-durable): V2 for old SDKs,
        // V4 for new ones; durable-functions 3.5.0 then answers with schemaVersion 3.
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 3,
        longRunningTimerIntervalDuration: timeSpanOption(this.longTimerIntervalMs),
        maximumShortTimerDuration: timeSpanOption(this.maxShortTimerMs),
        defaultHttpAsyncRequestSleepTimeMillseconds: this.httpSleepMs,
      };
      const invocation = await this.invoker.invokeOrchestrator(row.name, payload);
      if (this.stopped) return undefined;
      let outcome: ReplayOutcome;
      if (invocation.kind === 'infrastructureError') {
        this.log(
          'error',
          `Orchestrator '${row.name}' (instance '${row.instanceId}') could not be invoked: ${invocation.message}`,
        );
        const reason = `Orchestrator function '${row.name}' failed: ${invocation.message}`;
        outcome = {
          decisions: [
            {
              kind: 'complete',
              id: 0,
              status: 'Failed',
              result: reason,
              details: `Message: ${invocation.message}`,
              failureDetails: undefined,
              carryoverEvents: [],
            },
          ],
          customStatus: undefined,
          isSuspended: false,
          stalled: false,
        };
      } else {
        outcome = await replayEpisode(history, past.length, invocation, {
          instanceId: row.instanceId,
          executionId: row.executionId,
          name: row.name,
          parentInstanceId: row.parent?.instanceId ?? null,
          maxShortTimerMs: this.maxShortTimerMs,
          longTimerIntervalMs: this.longTimerIntervalMs,
          failureFormat: this.failureFormat,
          hasFunction: (name, kind) => this.invoker.hasFunction(name, kind),
          logger: this.log,
        });
      }
      if (outcome.customStatus !== undefined) row.customStatus = JSON.stringify(outcome.customStatus);
      const appended = markPlayed(fresh);
      let completion: Extract<Decision, { kind: 'complete' }> | undefined;
      for (const decision of outcome.decisions) {
        switch (decision.kind) {
          case 'scheduleTask':
            appended.push(
              historyEvent(
                EventType.TaskScheduled,
                now,
                {
                  Name: decision.name,
                  Version: '',
                  // Without storeInputsInOrchestrationHistory the real extension keeps no input here.
                  Input: this.storeInputs ? JSON.stringify([parseJsonOrRaw(decision.input ?? null)]) : null,
                  ParentTraceContext: null,
                  Tags: null,
                },
                decision.id,
              ),
            );
            activities.push({
              instanceId: row.instanceId,
              executionId: row.executionId,
              taskId: decision.id,
              name: decision.name,
              input: decision.input,
            });
            break;
          case 'createTimer': {
            const fireAt = new Date(decision.fireAt).toISOString();
            appended.push(historyEvent(EventType.TimerCreated, now, { FireAt: fireAt }, decision.id));
            messages.push({
              instanceId: row.instanceId,
              executionId: row.executionId,
              event: historyEvent(EventType.TimerFired, Math.max(now, decision.fireAt), {
                TimerId: decision.id,
                FireAt: fireAt,
              }),
              visibleAt: decision.fireAt,
            });
            break;
          }
          case 'createSubOrchestration': {
            appended.push(
              historyEvent(
                EventType.SubOrchestrationInstanceCreated,
                now,
                {
                  Name: decision.name,
                  Version: decision.version ?? null,
                  InstanceId: decision.instanceId,
                  Input: this.storeInputs ? decision.input : null,
                  ClientSpanId: null,
                  Tags: null,
                },
                decision.id,
              ),
            );
            const parent: ParentInfo = {
              instanceId: row.instanceId,
              executionId: row.executionId,
              name: row.name,
              taskScheduleId: decision.id,
            };
            const childRow: InstanceRow = {
              instanceId: decision.instanceId,
              name: decision.name,
              version: decision.version ?? null,
              executionId: newGuidN(),
              runtimeStatus: 'Pending',
              input: decision.input,
              output: null,
              customStatus: null,
              createdTime: now,
              lastUpdatedTime: now,
              parent,
            };
            children.push({ row: childRow, start: this.executionStartedEvent(childRow, now) });
            break;
          }
          case 'complete':
            completion = decision;
            if (decision.status === 'ContinuedAsNew') {
              appended.push(
                historyEvent(EventType.ContinueAsNew, now, { Result: decision.result }, decision.id),
              );
            } else {
              appended.push(
                historyEvent(
                  EventType.ExecutionCompleted,
                  now,
                  {
                    OrchestrationStatus: OrchestrationStatusNumber[decision.status],
                    Result: decision.result,
                    ...(decision.failureDetails ? { FailureDetails: decision.failureDetails } : {}),
                  },
                  decision.id,
                ),
              );
            }
            break;
        }
      }
      if (completion?.status === 'ContinuedAsNew') {
        const next: InstanceRow = {
          ...row,
          executionId: newGuidN(),
          runtimeStatus: 'Running',
          input: completion.result,
          output: null,
          createdTime: now,
          lastUpdatedTime: now,
        };
        const nextStart = this.executionStartedEvent(next, now);
        row = next;
        past = [];
        const carriedCompletion = historyEvent(EventType.OrchestratorCompleted, now);
        // Recorded on the real extension: this one is IsPlayed on later replays, unlike any other.
        storedAsPlayed.add(carriedCompletion);
        fresh = [
          historyEvent(EventType.OrchestratorStarted, now),
          nextStart,
          ...completion.carryoverEvents,
          carriedCompletion,
        ];
        replaceHistory = true;
        if (++generations > MAX_GENERATIONS_PER_EPISODE) {
          // DTFx would spin here forever; the dev host stops and says why.
          throw new Error(
            `the orchestration called continueAsNew ${MAX_GENERATIONS_PER_EPISODE} times in one episode without ` +
              'waiting for anything; it would never make progress',
          );
        }
        continue;
      }
      if (appended[appended.length - 1]?.EventType !== EventType.OrchestratorCompleted) {
        appended.push(historyEvent(EventType.OrchestratorCompleted, now));
      }
      row.lastUpdatedTime = now;
      if (completion) {
        row.runtimeStatus = completion.status === 'Completed' ? 'Completed' : completion.status;
        row.output = completion.result;
        this.notifyParent(
          row,
          completion.status,
          completion.result,
          completion.details,
          completion.failureDetails,
          now,
          messages,
        );
        if (completion.status === 'Failed') {
          this.log('warn', `Instance '${row.instanceId}' (${row.name}) failed: ${completion.result ?? ''}`);
        }
      } else {
        row.runtimeStatus = outcome.isSuspended ? 'Suspended' : 'Running';
        if (outcome.stalled) {
          this.log(
            'error',
            `WATCHDOG: instance '${row.instanceId}' (${row.name}) is not done, but nothing the host tracks can ` +
              `resume it (no open activity, timer, sub-orchestration or event wait). durable-functions is waiting ` +
              `on a task ID the host will never complete; the instance will stay Running forever.`,
          );
        }
      }
      return {
        row,
        history: replaceHistory ? appended : appended,
        replaceHistory,
        messages,
        activities,
        children,
      };
    }
  }

  private notifyParent(
    row: InstanceRow,
    status: string,
    result: string | null,
    details: string | null,
    failureDetails: unknown,
    now: number,
    messages: NewMessage[],
  ): void {
    if (!row.parent) return;
    const event =
      status === 'Completed'
        ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
            TaskScheduledId: row.parent.taskScheduleId,
            Result: result,
          })
        : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
            TaskScheduledId: row.parent.taskScheduleId,
            Reason: result,
            Details: details,
            ...(failureDetails ? { FailureDetails: failureDetails } : {}),
          });
    messages.push({
      instanceId: row.parent.instanceId,
      executionId: row.parent.executionId,
      event,
      visibleAt: now,
    });
  }

  private commit(original: InstanceRow, consumed: number[], result: EpisodeResult, now: number): void {
    const armNow: { id: number; visibleAt: number }[] = [];
    this.store.transaction(() => {
      this.store.deleteMessages(consumed);
      const current = this.store.getInstance(original.instanceId);
      if (!current || current.executionId !== original.executionId) {
        // Purged or restarted while the episode ran: its effects belong to an execution that is gone.
        return;
      }
      this.store.writeHistory(
        result.row.instanceId,
        result.row.executionId,
        result.history,
        result.replaceHistory,
      );
      this.store.upsertInstance(result.row);
      for (const message of result.messages) {
        const id = this.store.insertMessage(message);
        if (message.visibleAt > now) armNow.push({ id, visibleAt: message.visibleAt });
      }
      for (const activity of result.activities) this.store.insertActivity(activity);
      for (const child of result.children) {
        const existing = this.store.getInstance(child.row.instanceId);
        if (existing && !isTerminal(existing.runtimeStatus)) {
          this.log(
            'error',
            `Sub-orchestration instance '${child.row.instanceId}' already exists and is ${existing.runtimeStatus}; ` +
              `its parent '${original.instanceId}' will wait for it forever (the real host drops the duplicate start).`,
          );
          continue;
        }
        this.createExecution(child.row, now);
      }
    });
    for (const timer of armNow) this.arm(timer.id, timer.visibleAt);
  }
}

/**
 * DTFx marks every event it processed as played, and Azure Storage persists the flag, so the events an
 * episode received are stored with `IsPlayed: true` (the payload for that episode still said false).
 * OrchestratorStarted/Completed are never processed as events and keep false.
 */
/** Events that are stored as played although they are OrchestratorStarted/Completed markers. */
const storedAsPlayed = new WeakSet<HistoryEvent>();

function markPlayed(events: HistoryEvent[]): HistoryEvent[] {
  return events.map((event) =>
    (event.EventType === EventType.OrchestratorStarted ||
      event.EventType === EventType.OrchestratorCompleted) &&
    !storedAsPlayed.has(event)
      ? event
      : { ...event, IsPlayed: true },
  );
}

/** Runs synchronous engine work and reports its result or refusal as a promise, never as a throw. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function decodeToken(token: string): { createdTime: number; instanceId: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      t?: unknown;
      i?: unknown;
    };
    if (typeof parsed.t === 'number' && typeof parsed.i === 'string')
      return { createdTime: parsed.t, instanceId: parsed.i };
  } catch {
    // fall through
  }
  throw new EngineError('bad-request', 'The continuation token is not valid.');
}

/** Creates the mini Durable Task Framework. Call `start()` to begin dispatching. */
export function createDurableEngine(options: DurableEngineOptions): DevDurableEngine {
  return new Engine(options);
}
