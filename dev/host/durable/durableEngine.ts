import type { Clock, ScheduledCallback } from '../../clock';
import type {
  DurableEngine,
  EntityRef,
  EntityStateResponse,
  FunctionInvoker,
  GetStatusOptions,
  HistoryEvent,
  InstanceStatus,
  ListInstancesPage,
  ListInstancesQuery,
  ListEntitiesPage,
  ListEntitiesQuery,
  PurgeQuery,
  StartOptions,
} from '../contract';
import { runActivity } from './activityRunner';
import { ClientOperations } from './clientOperations';
import { DurableStore, type StoreStats } from './durableStore';
import type { EngineContext, EngineSettings } from './engineContext';
import { isEntityInstanceId } from './entityProtocol';
import { runEntityBatch } from './entityRunner';
import { runEpisode } from './episodeRunner';
import type { Logger, LogLevel } from './replayEpisode';

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
  /** `maxEntityOperationBatchSize`. @default 5000 (the extension's default outside the Consumption plan) */
  maxEntityOperationBatchSize?: number;
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
  /** Rows the store read and wrote since the engine started: what benchmarks and no-scan tests count. */
  storeStats(): StoreStats;
}

const DAY_MS = 86_400_000;

function defaultLogger(level: LogLevel, message: string): void {
  if (level === 'error') {
    console.error(`[durable] ${message}`);
  } else if (level === 'warn') {
    console.warn(`[durable] ${message}`);
  }
}

/**
 * The work pump: owns the lifecycle, the armed timers and the concurrency limits, and hands each piece
 * of ready work to the episode runner or the activity runner. Client calls go to {@link ClientOperations}.
 * Why this file is just over 400 lines: the pump's three kinds of work (episodes, activities, entity batches)
 * share its slots and armed timers, which are this class's fields; the work itself lives in the runners.
 */
class Engine implements DevDurableEngine, EngineContext {
  readonly taskHub: string;
  readonly clock: Clock;
  readonly invoker: FunctionInvoker;
  readonly store: DurableStore;
  readonly log: Logger;
  readonly settings: EngineSettings;
  private readonly client: ClientOperations;
  private readonly maxActivities: number;
  private readonly maxOrchestrations: number;
  private readonly armed = new Map<number, ScheduledCallback>();
  private readonly activeEpisodes = new Set<string>();
  private readonly activeActivities = new Set<number>();
  private idleWaiters: (() => void)[] = [];
  private running = false;
  private isStopped = false;
  private pumping = false;
  private pumpAgain = false;
  private orchestrationsPaused = false;

  constructor(options: DurableEngineOptions) {
    this.clock = options.clock;
    this.invoker = options.invoker;
    this.taskHub = options.taskHub ?? 'TestHubName';
    this.log = options.logger ?? defaultLogger;
    const maxShortTimerMs = options.maxShortTimerMs ?? 6 * DAY_MS;
    const longTimerIntervalMs = options.longTimerIntervalMs ?? 3 * DAY_MS;
    if (!(longTimerIntervalMs > 0) || longTimerIntervalMs > maxShortTimerMs) {
      throw new RangeError(
        `longTimerIntervalMs (${longTimerIntervalMs}) must be positive and at most maxShortTimerMs (${maxShortTimerMs})`,
      );
    }
    this.settings = {
      maxShortTimerMs,
      longTimerIntervalMs,
      failureFormat: options.failureFormat ?? 'legacy',
      storeInputs: options.storeInputsInHistory ?? false,
      httpSleepMs: options.defaultHttpAsyncRequestSleepTimeMs ?? 30_000,
      maxEntityBatchSize: Math.max(1, options.maxEntityOperationBatchSize ?? 5000),
    };
    this.maxActivities = options.maxConcurrentActivities ?? 10;
    this.maxOrchestrations = options.maxConcurrentOrchestrations ?? 10;
    this.store = new DurableStore(options.dataDir, this.taskHub);
    this.client = new ClientOperations(this);
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  // ---------------------------------------------------------------- lifecycle

  start(): Promise<void> {
    if (this.stopped) {
      return Promise.reject(new Error('This durable engine was stopped; create a new one.'));
    }
    if (this.running) {
      return Promise.resolve();
    }
    this.running = true;
    for (const message of this.store.futureMessages(this.clock.now())) {
      this.arm(message.id, message.visibleAt);
    }
    this.pump();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.running = false;
    this.isStopped = true;
    for (const handle of this.armed.values()) {
      handle.cancel();
    }
    this.armed.clear();
    this.store.close();
    this.resolveIdle();
    return Promise.resolve();
  }

  pendingTimerCount(): number {
    return this.armed.size;
  }

  storeStats(): StoreStats {
    return this.store.stats();
  }

  pauseOrchestrations(): void {
    this.orchestrationsPaused = true;
  }

  resumeOrchestrations(): void {
    this.orchestrationsPaused = false;
    this.pump();
  }

  whenIdle(): Promise<void> {
    if (this.isIdle()) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    if (!this.running) {
      return true;
    }
    if (this.activeEpisodes.size > 0 || this.activeActivities.size > 0) {
      return false;
    }
    return !this.store.hasWork(this.clock.now());
  }

  private resolveIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }

  arm(messageId: number, dueAt: number): void {
    if (!this.running || this.armed.has(messageId)) {
      return;
    }
    const handle = this.clock.schedule(dueAt, () => {
      this.armed.delete(messageId);
      this.pump();
    });
    this.armed.set(messageId, handle);
  }

  disarm(messageId: number): void {
    this.armed.get(messageId)?.cancel();
    this.armed.delete(messageId);
  }

  /** Starts whatever work is ready, up to the concurrency limits. Synchronous, so clock tracking is gap-free. */
  pump(): void {
    if (!this.running) {
      return;
    }
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const now = this.clock.now();
        // Running episodes and activities keep their rows until they commit, so the first `max` rows hold
        // work for every free slot: the queue is never read beyond them, however long it is.
        // Most pumps follow the end of one piece of work while the rest still run: with no free slot there
        // is nothing to ask the store.
        const ready =
          this.orchestrationsPaused || this.activeEpisodes.size >= this.maxOrchestrations
            ? []
            : this.store.readyInstanceIds(now, this.maxOrchestrations);
        for (const instanceId of ready) {
          if (this.activeEpisodes.size >= this.maxOrchestrations) {
            break;
          }
          if (this.activeEpisodes.has(instanceId)) {
            continue;
          }
          this.activeEpisodes.add(instanceId);
          const work = isEntityInstanceId(instanceId)
            ? this.runEntityOrDrop(instanceId)
            : this.runEpisodeOrFail(instanceId);
          void this.clock.track(
            work.finally(() => {
              this.activeEpisodes.delete(instanceId);
              this.pump();
            }),
          );
        }
        const pending =
          this.activeActivities.size >= this.maxActivities
            ? []
            : this.store.pendingActivities(this.maxActivities);
        for (const item of pending) {
          if (this.activeActivities.size >= this.maxActivities) {
            break;
          }
          if (this.activeActivities.has(item.id)) {
            continue;
          }
          this.activeActivities.add(item.id);
          void this.clock.track(
            this.guard(`activity '${item.name}'`, () => runActivity(this, item)).finally(() => {
              this.activeActivities.delete(item.id);
              this.pump();
            }),
          );
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
    if (this.isIdle()) {
      this.resolveIdle();
    }
  }

  /**
   * A bug in the engine (or a corrupt store) must not turn into a hot loop that retries the same
   * messages forever: the instance is failed with the internal error instead, loudly.
   */
  private async runEpisodeOrFail(instanceId: string): Promise<void> {
    try {
      await runEpisode(this, instanceId);
    } catch (error) {
      if (this.stopped) {
        return;
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.log('error', `Internal error in the episode of instance '${instanceId}'; failing it: ${message}`);
      try {
        this.store.transaction(() => {
          const row = this.store.getInstance(instanceId);
          this.store.deleteMessages(this.store.messageIdsFor(instanceId));
          if (!row) {
            return;
          }
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

  /**
   * The entity counterpart of {@link runEpisodeOrFail}: an internal error must not retry the same batch
   * forever, so the messages that caused it are logged in full and removed.
   */
  private async runEntityOrDrop(schedulerId: string): Promise<void> {
    try {
      await runEntityBatch(this, schedulerId);
    } catch (error) {
      if (this.stopped) {
        return;
      }
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      try {
        const dropped = this.store.readyMessages(schedulerId, this.clock.now());
        this.log(
          'error',
          `Internal error in a batch of entity '${schedulerId}'; dropping its ${dropped.length} message(s) ` +
            `${JSON.stringify(dropped.map((row) => row.event))}: ${message}`,
        );
        this.store.transaction(() => this.store.deleteMessages(dropped.map((row) => row.id)));
      } catch (storeError) {
        this.log('error', `Could not drop the messages of entity '${schedulerId}': ${String(storeError)}`);
      }
    }
  }

  private async guard(what: string, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (this.stopped) {
        return;
      }
      this.log(
        'error',
        `Unexpected failure in ${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
  }

  // ---------------------------------------------------------------- client operations

  startNew(orchestratorName: string, options?: StartOptions): Promise<string> {
    return this.client.startNew(orchestratorName, options);
  }

  getStatus(instanceId: string, options?: GetStatusOptions): Promise<InstanceStatus | undefined> {
    return this.client.getStatus(instanceId, options);
  }

  getHistory(instanceId: string): HistoryEvent[] | undefined {
    return this.client.getHistory(instanceId);
  }

  listInstances(query: ListInstancesQuery): Promise<ListInstancesPage> {
    return this.client.listInstances(query);
  }

  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    return this.client.raiseEvent(instanceId, eventName, eventData);
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    return this.client.terminate(instanceId, reason);
  }

  suspend(instanceId: string, reason: string): Promise<void> {
    return this.client.suspend(instanceId, reason);
  }

  resume(instanceId: string, reason: string): Promise<void> {
    return this.client.resume(instanceId, reason);
  }

  purgeInstance(instanceId: string): Promise<number> {
    return this.client.purgeInstance(instanceId);
  }

  purgeInstances(query: PurgeQuery): Promise<number> {
    return this.client.purgeInstances(query);
  }

  signalEntity(entity: EntityRef, operationName: string, input: unknown): Promise<void> {
    return this.client.signalEntity(entity, operationName, input);
  }

  readEntityState(entity: EntityRef): Promise<EntityStateResponse> {
    return this.client.readEntityState(entity);
  }

  listEntities(query: ListEntitiesQuery): Promise<ListEntitiesPage> {
    return this.client.listEntities(query);
  }
}

/** Creates the mini Durable Task Framework. Call `start()` to begin dispatching. */
export function createDurableEngine(options: DurableEngineOptions): DevDurableEngine {
  return new Engine(options);
}
