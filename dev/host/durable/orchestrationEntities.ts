/**
 * The entity half of the extension's `DurableOrchestrationContext` (`CallDurableTaskFunctionAsync` for
 * entities, `SignalEntity`, `LockAsync`, `ReleaseLocks`), as the out-of-process shim drives it. Every
 * message is a DTFx `SendEvent`, which takes the next ID and leaves an EventSent in history; a call or a
 * lock then waits for the EventRaised named after its request ID. The SDK (V4) asks for locks with a
 * LockEntities action, which the extension's enum does not have: the host runs it through `LockAsync`,
 * the extension's own lock protocol.
 */
import type { EntityRef } from '../contract';
import {
  deterministicGuid,
  RELEASE_EVENT_NAME,
  releaseJson,
  REQUEST_EVENT_NAME,
  requestMessage,
  roundTripTime,
  schedulerIdOf,
} from './entityProtocol';

/** What the entity calls need from the episode: its ID counter (through sendEvent), events, clock. */
export interface EntityCallHost {
  readonly instanceId: string;
  readonly executionId: string;
  readonly currentUtcDateTime: number;
  sendEvent(targetInstanceId: string, eventName: string, input: string): void;
  waitForExternalEvent(name: string): Promise<string | null>;
  /** Throws the extension's ArgumentException when the app has no entity function of that name. */
  throwIfEntityDoesNotExist(name: string): void;
}

/** The extension's `LockingRulesViolationException`. */
export class LockingRulesViolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LockingRulesViolationException';
  }
}

interface EntityAction {
  instanceId?: unknown;
  operation?: unknown;
  input?: unknown;
  lockSet?: unknown;
}

/** `EntityId.GetEntityIdFromSchedulerId`, refusing what the SDK would never send. */
function targetOf(action: EntityAction): EntityRef {
  const id = typeof action.instanceId === 'string' ? action.instanceId : '';
  const at = id.indexOf('@', 1);
  if (!id.startsWith('@') || at < 1) {
    throw new Error(`The entity action targets '${id}', which is not an entity ID ('@name@key').`);
  }
  return { name: id.slice(1, at).toLowerCase(), key: id.slice(at + 1) };
}

function operationOf(action: EntityAction): string {
  return typeof action.operation === 'string' ? action.operation : '';
}

/** Entity inputs arrive as values (not pre-quoted like activity inputs); the request carries JSON text. */
function inputText(input: unknown): string | null {
  return input === undefined || input === null ? null : JSON.stringify(input);
}

export class OrchestrationEntities {
  private newGuidCounter = 0;
  /** `ContextLocks`: held locks not lent to an entity call in flight. Undefined outside a critical section. */
  private contextLocks: string[] | undefined;
  /** Every entity of the current lock set: a release goes to each, as the SDK numbers one ID per entity. */
  private lockSet: string[] | undefined;
  private lockRequestId: string | undefined;

  constructor(private readonly host: EntityCallHost) {}

  /** `NewGuid`: deterministic, so replays send the same request IDs. */
  private newGuid(): string {
    const name = `${this.host.instanceId}_${roundTripTime(this.host.currentUtcDateTime)}_${this.newGuidCounter}`;
    this.newGuidCounter++;
    return deterministicGuid(name);
  }

  private sendRequest(target: EntityRef, operation: string, input: string | null, isSignal: boolean): string {
    const id = this.newGuid();
    const request = requestMessage({
      operation,
      isSignal,
      input,
      id,
      parent: this.host.instanceId,
      parentExecution: this.host.executionId,
      timestamp: roundTripTime(this.host.currentUtcDateTime),
    });
    this.host.sendEvent(schedulerIdOf(target), REQUEST_EVENT_NAME, JSON.stringify(request));
    return id;
  }

  /**
   * Refusals throw synchronously, which fails the instance: in the extension they fault an async method
   * whose fault the shim swallows, and the instance hangs instead (see the README).
   */
  callEntity(action: EntityAction): Promise<string | null> {
    const target = targetOf(action);
    this.host.throwIfEntityDoesNotExist(target.name);
    const lockToUse = this.contextLocks === undefined ? undefined : schedulerIdOf(target);
    if (lockToUse !== undefined && this.contextLocks !== undefined) {
      const index = this.contextLocks.indexOf(lockToUse);
      if (index < 0) {
        throw new LockingRulesViolationError(
          'While holding locks, cannot call entities whose lock is not held.',
        );
      }
      this.contextLocks.splice(index, 1);
    }
    const id = this.sendRequest(target, operationOf(action), inputText(action.input), false);
    return this.host.waitForExternalEvent(id).then((response) => {
      if (lockToUse !== undefined) {
        // The lock is available again now that the entity call returned.
        this.contextLocks?.push(lockToUse);
      }
      return response;
    });
  }

  signalEntity(action: EntityAction): Promise<void> {
    const target = targetOf(action);
    this.host.throwIfEntityDoesNotExist(target.name);
    if (this.contextLocks?.includes(schedulerIdOf(target)) === true) {
      throw new LockingRulesViolationError('While holding locks, cannot signal entities whose lock is held.');
    }
    this.sendRequest(target, operationOf(action), inputText(action.input), true);
    return Promise.resolve();
  }

  /**
   * `LockAsync`: the request goes to the first entity of the sorted lock set, each entity forwards it to
   * the next once it has granted its lock, and the last one answers.
   */
  lockEntities(action: EntityAction): Promise<void> {
    const raw = Array.isArray(action.lockSet) ? (action.lockSet as unknown[]) : [];
    const entities: EntityRef[] = raw.map((entry) => {
      const { name, key } = (entry ?? {}) as { name?: unknown; key?: unknown };
      if (typeof name !== 'string' || name === '' || typeof key !== 'string') {
        throw new Error(`The lock set entry ${JSON.stringify(entry ?? null)} is not an entity ID.`);
      }
      return { name: name.toLowerCase(), key };
    });
    for (const entity of entities) {
      this.host.throwIfEntityDoesNotExist(entity.name);
    }
    if (this.contextLocks !== undefined) {
      throw new LockingRulesViolationError('Cannot acquire more locks when already holding some locks.');
    }
    if (entities.length === 0) {
      throw new Error("The list of entities to lock must not be null or empty. (Parameter 'entities')");
    }
    // A globally fixed (ordinal) order avoids deadlocks between critical sections.
    const sorted = [...new Map(entities.map((entity) => [schedulerIdOf(entity), entity])).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, entity]) => entity);
    const first = sorted[0] as EntityRef;
    // The extension takes the next NewGuid, not the SDK's lockRequestId (recorded in
    // test/fixtures/real-durable/entity-critical-section.json); the SDK re-keys its task from EventSent.
    const id = this.newGuid();
    this.lockRequestId = id;
    const request = requestMessage({
      isSignal: false,
      input: null,
      id,
      parent: this.host.instanceId,
      parentExecution: this.host.executionId,
      timestamp: roundTripTime(this.host.currentUtcDateTime),
      lockSet: sorted,
      position: 0,
    });
    this.host.sendEvent(schedulerIdOf(first), REQUEST_EVENT_NAME, JSON.stringify(request));
    return this.host.waitForExternalEvent(id).then(() => {
      this.lockSet = sorted.map(schedulerIdOf);
      this.contextLocks = [...this.lockSet];
    });
  }

  /**
   * `ReleaseLocks`: one release message per held lock, in `ContextLocks` order (each entity call moves its
   * entity to the end); also run when the orchestration ends. A lock lent to a call still in flight is
   * released last, so that the number of messages matches the IDs the SDK counted for the release.
   */
  releaseLocks(): void {
    if (this.lockSet === undefined) {
      return;
    }
    const held = this.contextLocks ?? [];
    const lent = this.lockSet.filter((schedulerId) => !held.includes(schedulerId));
    for (const schedulerId of [...held, ...lent]) {
      this.host.sendEvent(
        schedulerId,
        RELEASE_EVENT_NAME,
        releaseJson(this.host.instanceId, this.lockRequestId ?? ''),
      );
    }
    this.contextLocks = undefined;
    this.lockSet = undefined;
    this.lockRequestId = undefined;
  }
}
