import {
  EngineError,
  type DurableEngine,
  type EntityRef,
  type EntityStateResponse,
  type GetStatusOptions,
  type InstanceStatus,
  type ListInstancesPage,
  type ListInstancesQuery,
  type ListEntitiesPage,
  type ListEntitiesQuery,
  type PurgeQuery,
  type RuntimeStatus,
  type StartOptions,
} from '../../dev/host/contract';

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Canceled', 'Terminated']);

/**
 * A typed in-memory DurableEngine for testing the HTTP layer on its own: it keeps instances and records
 * every call, and runs no orchestrator code. Tests set statuses with `update`.
 */
export class FakeEngine implements DurableEngine {
  readonly calls: [string, ...unknown[]][] = [];
  readonly instances = new Map<string, InstanceStatus & { createdMs: number }>();
  private nextId = 1;

  constructor(
    private readonly now: () => number,
    private readonly defaultPageSize = 100,
  ) {}

  private time(ms: number): string {
    return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  }

  update(id: string, patch: Partial<InstanceStatus>): void {
    const instance = this.instances.get(id);
    if (!instance) {
      throw new Error(`no instance ${id}`);
    }
    Object.assign(instance, patch, { lastUpdatedTime: this.time(this.now()) });
  }

  startNew(orchestratorName: string, options: StartOptions = {}): Promise<string> {
    this.calls.push(['startNew', orchestratorName, options]);
    const id = options.instanceId ?? `generated${this.nextId++}`;
    const existing = this.instances.get(id);
    if (existing && !TERMINAL.has(existing.runtimeStatus)) {
      return Promise.reject(new EngineError('conflict', `An instance with ID '${id}' already exists.`));
    }
    const now = this.now();
    this.instances.set(id, {
      name: orchestratorName,
      instanceId: id,
      runtimeStatus: 'Pending',
      input: options.input ?? null,
      customStatus: null,
      output: null,
      createdTime: this.time(now),
      lastUpdatedTime: this.time(now),
      createdMs: now,
    });
    return Promise.resolve(id);
  }

  getStatus(instanceId: string, options: GetStatusOptions = {}): Promise<InstanceStatus | undefined> {
    this.calls.push(['getStatus', instanceId, options]);
    const instance = this.instances.get(instanceId);
    if (!instance) {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(this.view(instance, options.showInput ?? true, options.showHistory ?? false));
  }

  private view(instance: InstanceStatus & { createdMs: number }, showInput: boolean, showHistory: boolean) {
    const { createdMs: _createdMs, ...status } = instance;
    const result: InstanceStatus = { ...status, input: showInput ? status.input : null };
    if (showHistory) {
      result.historyEvents = [{ EventType: 'ExecutionStarted', FunctionName: status.name }];
    }
    return result;
  }

  listInstances(query: ListInstancesQuery): Promise<ListInstancesPage> {
    this.calls.push(['listInstances', query]);
    const matching = [...this.instances.values()].filter(
      (i) =>
        (!query.createdTimeFrom || i.createdMs >= query.createdTimeFrom.getTime()) &&
        (!query.createdTimeTo || i.createdMs <= query.createdTimeTo.getTime()) &&
        (!query.runtimeStatus || query.runtimeStatus.includes(i.runtimeStatus)) &&
        (!query.instanceIdPrefix || i.instanceId.startsWith(query.instanceIdPrefix)),
    );
    const start = query.continuationToken ? Number(query.continuationToken) : 0;
    const size = query.top ?? this.defaultPageSize;
    const page = matching
      .slice(start, start + size)
      .map((i) => this.view(i, query.showInput ?? false, false));
    const result: ListInstancesPage = { instances: page };
    if (start + size < matching.length) {
      result.continuationToken = String(start + size);
    }
    return Promise.resolve(result);
  }

  private live(instanceId: string): InstanceStatus {
    const instance = this.instances.get(instanceId);
    if (!instance) {
      throw new EngineError('not-found', `No instance with ID '${instanceId}' found.`);
    }
    if (TERMINAL.has(instance.runtimeStatus)) {
      throw new EngineError('gone', `The instance '${instanceId}' is ${instance.runtimeStatus}.`);
    }
    return instance;
  }

  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    this.calls.push(['raiseEvent', instanceId, eventName, eventData]);
    try {
      this.live(instanceId);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private transition(op: string, instanceId: string, reason: string, to: RuntimeStatus): Promise<void> {
    this.calls.push([op, instanceId, reason]);
    try {
      this.live(instanceId);
      this.update(instanceId, { runtimeStatus: to });
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  terminate(instanceId: string, reason: string): Promise<void> {
    return this.transition('terminate', instanceId, reason, 'Terminated');
  }

  suspend(instanceId: string, reason: string): Promise<void> {
    return this.transition('suspend', instanceId, reason, 'Suspended');
  }

  resume(instanceId: string, reason: string): Promise<void> {
    return this.transition('resume', instanceId, reason, 'Running');
  }

  purgeInstance(instanceId: string): Promise<number> {
    this.calls.push(['purgeInstance', instanceId]);
    return Promise.resolve(this.instances.delete(instanceId) ? 1 : 0);
  }

  purgeInstances(query: PurgeQuery): Promise<number> {
    this.calls.push(['purgeInstances', query]);
    let deleted = 0;
    for (const instance of [...this.instances.values()]) {
      if (instance.createdMs < query.createdTimeFrom.getTime()) {
        continue;
      }
      if (query.createdTimeTo && instance.createdMs > query.createdTimeTo.getTime()) {
        continue;
      }
      if (query.runtimeStatus && !query.runtimeStatus.includes(instance.runtimeStatus)) {
        continue;
      }
      this.instances.delete(instance.instanceId);
      deleted++;
    }
    return Promise.resolve(deleted);
  }

  /** Entity states by `name@key` (name lowercased); tests fill it, signals only record the call. */
  readonly entities = new Map<string, unknown>();

  signalEntity(entity: EntityRef, operationName: string, input: unknown): Promise<void> {
    this.calls.push(['signalEntity', entity, operationName, input]);
    return Promise.resolve();
  }

  readEntityState(entity: EntityRef): Promise<EntityStateResponse> {
    this.calls.push(['readEntityState', entity]);
    const key = `${entity.name.toLowerCase()}@${entity.key}`;
    return Promise.resolve(
      this.entities.has(key)
        ? { entityExists: true, entityState: this.entities.get(key) }
        : { entityExists: false, entityState: undefined },
    );
  }

  listEntities(query: ListEntitiesQuery): Promise<ListEntitiesPage> {
    this.calls.push(['listEntities', query]);
    return Promise.resolve({ entities: [] });
  }

  whenIdle(): Promise<void> {
    return Promise.resolve();
  }

  start(): Promise<void> {
    this.calls.push(['start']);
    return Promise.resolve();
  }

  stop(): Promise<void> {
    this.calls.push(['stop']);
    return Promise.resolve();
  }
}
