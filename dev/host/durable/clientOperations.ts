import { randomUUID } from 'node:crypto';

import {
  EngineError,
  type EntityRef,
  type EntityStateResponse,
  type EntityStatus,
  type GetStatusOptions,
  type HistoryEvent,
  type InstanceStatus,
  type ListInstancesPage,
  type ListInstancesQuery,
  type ListEntitiesPage,
  type ListEntitiesQuery,
  type PurgeQuery,
  type RuntimeStatus,
  type StartOptions,
} from '../contract';
import { createExecution, isTerminal, newGuidN, type EngineContext } from './engineContext';
import {
  eventMessage,
  REQUEST_EVENT_NAME,
  requestMessage,
  roundTripTime,
  schedulerIdOf,
} from './entityProtocol';
import { EventType, historyEvent, isoTimestamp, parseJsonOrRaw } from './historyEvents';
import { toInstanceStatus } from './instanceStatus';

/** `OverridableExistingInstanceStates.NonRunningStates`: these block a new start with the same ID. */
const RUNNING: ReadonlySet<RuntimeStatus> = new Set(['Pending', 'Running', 'Suspended', 'ContinuedAsNew']);
const MAX_INSTANCE_ID_LENGTH = 256;

/**
 * The client side of the engine (what `DurableClient` calls). Each operation runs synchronously against
 * the store and reports its result or refusal as a promise, never as a throw.
 */
export class ClientOperations {
  constructor(private readonly engine: EngineContext) {}

  startNew(orchestratorName: string, options: StartOptions = {}): Promise<string> {
    return settle(() => this.startNewSync(orchestratorName, options));
  }

  getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<InstanceStatus | undefined> {
    return settle(() => {
      this.ensureOpen();
      const row = this.engine.store.getInstance(instanceId);
      if (!row) {
        return undefined;
      }
      const history = options.showHistory === true ? this.engine.store.loadHistory(instanceId) : undefined;
      return toInstanceStatus(row, history, options);
    });
  }

  getHistory(instanceId: string): HistoryEvent[] | undefined {
    this.ensureOpen();
    const store = this.engine.store;
    return store.getInstance(instanceId) ? store.loadHistory(instanceId) : undefined;
  }

  listInstances(query: ListInstancesQuery): Promise<ListInstancesPage> {
    return settle(() => this.listInstancesSync(query));
  }

  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    return settle(() => {
      this.ensureOpen();
      if (eventName === '') {
        throw new EngineError('bad-request', 'The event name must not be empty.');
      }
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

  purgeInstance(instanceId: string): Promise<number> {
    return settle(() => {
      this.ensureOpen();
      return this.engine.store.transaction(() => this.purgeRow(instanceId));
    });
  }

  purgeInstances(query: PurgeQuery): Promise<number> {
    return settle(() => {
      this.ensureOpen();
      const store = this.engine.store;
      return store.transaction(() => {
        const rows = store.queryInstances({
          createdTimeFrom: query.createdTimeFrom.getTime(),
          createdTimeTo: query.createdTimeTo?.getTime(),
          runtimeStatus: query.runtimeStatus,
        });
        let count = 0;
        for (const row of rows) {
          count += this.purgeRow(row.instanceId);
        }
        return count;
      });
    });
  }

  /** `DurableClient.SignalEntityAsync`: a one-way request from no parent, which the entity queues FIFO. */
  signalEntity(entity: EntityRef, operationName: string, input: unknown): Promise<void> {
    return settle(() => {
      this.ensureOpen();
      checkEntity(entity);
      if (!this.engine.invoker.hasFunction(entity.name, 'entityTrigger')) {
        throw new EngineError(
          'bad-request',
          `The function '${entity.name}' doesn't exist, is disabled, or is not an entity function.`,
        );
      }
      let inputText: string | null;
      try {
        inputText = input === undefined || input === null ? null : JSON.stringify(input);
      } catch (error) {
        throw new EngineError('bad-request', `The input is not serializable as JSON: ${String(error)}`);
      }
      const now = this.engine.clock.now();
      const request = requestMessage({
        operation: operationName,
        isSignal: true,
        input: inputText,
        id: randomUUID(),
        timestamp: roundTripTime(now),
      });
      const message = eventMessage(
        schedulerIdOf(entity),
        null,
        REQUEST_EVENT_NAME,
        JSON.stringify(request),
        now,
      );
      this.engine.store.insertMessage({ ...message, visibleAt: now });
      this.engine.pump();
    });
  }

  readEntityState(entity: EntityRef): Promise<EntityStateResponse> {
    return settle(() => {
      this.ensureOpen();
      const row = this.engine.store.getEntity(schedulerIdOf(entity));
      if (!row?.scheduler.exists) {
        return { entityExists: false, entityState: undefined };
      }
      return { entityExists: true, entityState: parseJsonOrRaw(row.scheduler.state) };
    });
  }

  /** `ListEntitiesAsync`: entities with state, by name, one page per call (keyset paging on the ID). */
  listEntities(query: ListEntitiesQuery): Promise<ListEntitiesPage> {
    return settle(() => {
      this.ensureOpen();
      const pageSize = query.pageSize !== undefined && query.pageSize > 0 ? Math.floor(query.pageSize) : 100;
      let after: string | undefined;
      if (query.continuationToken !== undefined && query.continuationToken !== '') {
        after = decodeEntityToken(query.continuationToken);
      }
      const rows = this.engine.store.queryEntities({
        name: query.entityName?.toLowerCase(),
        lastModifiedFrom: query.lastOperationTimeFrom?.getTime(),
        lastModifiedTo: query.lastOperationTimeTo?.getTime(),
        after,
        limit: pageSize + 1,
      });
      const page = rows.slice(0, pageSize);
      const entities = page.map((row): EntityStatus => {
        const status: EntityStatus = {
          entityId: { name: row.name, key: row.key },
          lastOperationTime: isoTimestamp(row.lastModified),
        };
        if (query.fetchState === true) {
          status.state = parseJsonOrRaw(row.scheduler.state);
        }
        return status;
      });
      const last = page[page.length - 1];
      return rows.length > pageSize && last
        ? { entities, continuationToken: Buffer.from(last.instanceId, 'utf8').toString('base64url') }
        : { entities };
    });
  }

  private startNewSync(name: string, options: StartOptions): string {
    // No check of the name: the real extension (3.19.0) accepts any name and fails the instance on its first
    // episode (recorded in test/fixtures/real-durable/management-api.json).
    this.ensureOpen();
    const instanceId =
      options.instanceId === undefined || options.instanceId === '' ? newGuidN() : options.instanceId;
    checkInstanceId(instanceId);
    let inputText: string | null;
    try {
      inputText = options.input === undefined ? null : JSON.stringify(options.input);
    } catch (error) {
      throw new EngineError('bad-request', `The input is not serializable as JSON: ${String(error)}`);
    }
    const now = this.engine.clock.now();
    const executionId = newGuidN();
    const version = options.version ?? null;
    const store = this.engine.store;
    store.transaction(() => {
      const existing = store.getInstance(instanceId);
      if (existing && RUNNING.has(existing.runtimeStatus)) {
        throw new EngineError(
          'conflict',
          `An Orchestration instance with the status ${existing.runtimeStatus} already exists. (instance ID '${instanceId}')`,
        );
      }
      createExecution(
        store,
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
    this.engine.pump();
    return instanceId;
  }

  private listInstancesSync(query: ListInstancesQuery): ListInstancesPage {
    this.ensureOpen();
    let afterInstanceId: string | undefined;
    if (query.continuationToken !== undefined && query.continuationToken !== '') {
      afterInstanceId = decodeToken(query.continuationToken);
    }
    const top = query.top !== undefined && query.top > 0 ? Math.floor(query.top) : undefined;
    const rows = this.engine.store.queryInstances({
      createdTimeFrom: query.createdTimeFrom?.getTime(),
      createdTimeTo: query.createdTimeTo?.getTime(),
      runtimeStatus: query.runtimeStatus,
      instanceIdPrefix: query.instanceIdPrefix,
      afterInstanceId,
      limit: top === undefined ? undefined : top + 1,
    });
    const page = top === undefined ? rows : rows.slice(0, top);
    const last = page[page.length - 1];
    const result: ListInstancesPage = {
      instances: page.map((row) => toInstanceStatus(row, undefined, { showInput: query.showInput ?? false })),
    };
    if (top !== undefined && rows.length > top && last) {
      result.continuationToken = Buffer.from(JSON.stringify({ i: last.instanceId }), 'utf8').toString(
        'base64url',
      );
    }
    return result;
  }

  private control(instanceId: string, verb: string, build: (now: number) => HistoryEvent): Promise<void> {
    return settle(() => {
      this.ensureOpen();
      this.sendToInstance(instanceId, verb, build);
    });
  }

  private sendToInstance(instanceId: string, verb: string, build: (now: number) => HistoryEvent): void {
    const row = this.engine.store.getInstance(instanceId);
    if (!row) {
      throw new EngineError('not-found', `No instance with ID '${instanceId}' was found.`);
    }
    if (isTerminal(row.runtimeStatus)) {
      throw new EngineError(
        'gone',
        `Cannot ${verb} instance '${instanceId}' because it is in the ${row.runtimeStatus} state.`,
      );
    }
    const now = this.engine.clock.now();
    this.engine.store.insertMessage({ instanceId, executionId: null, event: build(now), visibleAt: now });
    this.engine.pump();
  }

  private purgeRow(instanceId: string): number {
    for (const id of this.engine.store.messageIdsFor(instanceId)) {
      this.engine.disarm(id);
    }
    return this.engine.store.deleteInstance(instanceId);
  }

  private ensureOpen(): void {
    if (this.engine.stopped) {
      throw new Error('The durable engine has been stopped.');
    }
  }
}

/** `SignalEntityAsyncInternal` and the `EntityId` constructor refuse these. */
function checkEntity(entity: EntityRef): void {
  if (entity.name === '') {
    throw new EngineError(
      'bad-request',
      'Invalid entity id: entity name must not be a null or empty string.',
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[/\\?#\u0000-\u001f\u007f-\u009f]/.test(entity.key)) {
    throw new EngineError('bad-request', 'Entity keys must not contain /, \\, #, ?, or control characters.');
  }
}

function decodeEntityToken(token: string): string {
  const after = Buffer.from(token, 'base64url').toString('utf8');
  if (!after.startsWith('@')) {
    throw new EngineError('bad-request', 'The continuation token is not valid.');
  }
  return after;
}

function checkInstanceId(instanceId: string): void {
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
}

/** Runs synchronous engine work and reports its result or refusal as a promise, never as a throw. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function decodeToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { i?: unknown };
    if (typeof parsed.i === 'string') {
      return parsed.i;
    }
  } catch {
    // fall through
  }
  throw new EngineError('bad-request', 'The continuation token is not valid.');
}
