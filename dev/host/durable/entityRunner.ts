import { randomUUID } from 'node:crypto';

import type { EntityBatchResult, EntityRef } from '../contract';
import { isTerminal, type EngineContext } from './engineContext';
import {
  CONTINUE_EVENT_NAME,
  emptySchedulerState,
  entityOfSchedulerId,
  eventMessage,
  grantLock,
  isEmptyScheduler,
  planBatch,
  receiveMessages,
  REQUEST_EVENT_NAME,
  requestMessage,
  responseJson,
  roundTripTime,
  schedulerIdOf,
  type OutgoingMessage,
  type RequestMessage,
  type SchedulerState,
} from './entityProtocol';

/**
 * One entity batch, as the extension's entity middleware and `TaskEntityShim` run it: the entity's visible
 * messages join its queue, the operations that may run now go to the entity function in one invocation,
 * and the new state, the responses to callers, the signals the entity sent and the lock hand-over are
 * committed together with the removal of the messages. A crash before the commit leaves the messages and
 * the old state in place, so the batch runs again and no operation is applied twice.
 */
export async function runEntityBatch(engine: EngineContext, schedulerId: string): Promise<void> {
  const { store, clock } = engine;
  const messages = store.readyMessages(schedulerId, clock.now());
  if (messages.length === 0) {
    return;
  }
  const consumed = messages.map((message) => message.id);
  let entity: EntityRef;
  try {
    entity = entityOfSchedulerId(schedulerId);
  } catch {
    engine.log('warn', `Dropping ${messages.length} message(s) for malformed entity ID '${schedulerId}'.`);
    store.transaction(() => store.deleteMessages(consumed));
    return;
  }
  const stored = store.getEntity(schedulerId);
  const received = receiveMessages(
    stored?.scheduler ?? emptySchedulerState(),
    messages.map((message) => message.event),
  );
  for (const reason of received.dropped) {
    engine.log('warn', `Entity '${schedulerId}' dropped a message: ${reason}.`);
  }
  const plan = planBatch(received.state, engine.settings.maxEntityBatchSize);
  let state = plan.state;
  const outgoing: OutgoingMessage[] = [];
  if (plan.operations.length > 0) {
    const result = await invokeBatch(engine, entity, state, plan.operations);
    if (engine.stopped) {
      return;
    }
    const now = clock.now();
    state = { ...state, exists: result.entityExists, state: result.entityExists ? result.entityState : null };
    outgoing.push(...responses(plan.operations, result, now), ...signals(schedulerId, result, now));
  }
  const now = clock.now();
  let continueAfter = plan.continueAfter;
  if (plan.lockRequest !== undefined) {
    if (requesterIsRunning(engine, plan.lockRequest)) {
      const granted = grantLock(state, plan.lockRequest, now);
      state = granted.state;
      outgoing.push(granted.message);
    } else {
      // Its execution ended (terminated, failed, purged) while the request travelled: a lock granted now
      // would never be released. The releases it owed have already gone out.
      engine.log(
        'warn',
        `Entity '${schedulerId}' discarded lock request ${plan.lockRequest.id}: instance ` +
          `'${plan.lockRequest.parent ?? ''}' no longer runs that execution.`,
      );
      // The batch stopped at this request; what queued behind it may run now.
      continueAfter ||= state.queue.length > 0;
    }
  }
  if (continueAfter) {
    outgoing.push(eventMessage(schedulerId, null, CONTINUE_EVENT_NAME, '""', now));
  }
  commit(engine, schedulerId, entity, state, consumed, outgoing, now);
}

function requesterIsRunning(engine: EngineContext, request: RequestMessage): boolean {
  const row = request.parent === undefined ? undefined : engine.store.getInstance(request.parent);
  return row !== undefined && !isTerminal(row.runtimeStatus) && row.executionId === request.parentExecution;
}

async function invokeBatch(
  engine: EngineContext,
  entity: EntityRef,
  state: SchedulerState,
  operations: RequestMessage[],
): Promise<EntityBatchResult> {
  // The result is JSON text: the SDK parses it before it makes the caller's Error of it.
  const failAll = (message: string): EntityBatchResult => ({
    entityExists: state.exists,
    entityState: state.state,
    results: operations.map(() => ({ result: JSON.stringify(message), isError: true, duration: 0 })),
    signals: [],
  });
  if (!engine.invoker.hasFunction(entity.name, 'entityTrigger')) {
    const message = `The function '${entity.name}' doesn't exist, is disabled, or is not an entity function.`;
    engine.log('warn', `Entity '${schedulerIdOf(entity)}': ${message}`);
    return failAll(message);
  }
  const invocation = await engine.invoker.invokeEntity(entity.name, {
    self: entity,
    exists: state.exists,
    state: state.state,
    batch: operations.map((operation) => ({
      name: operation.op ?? '',
      input: operation.input ?? null,
      isSignal: operation.signal === true,
      id: operation.id,
    })),
  });
  if (invocation.kind === 'infrastructureError') {
    engine.log('error', `Entity '${schedulerIdOf(entity)}' could not run its batch: ${invocation.message}`);
    return failAll(invocation.message);
  }
  const result = invocation.result;
  if (result.results.length !== operations.length) {
    const message =
      `The entity function returned ${result.results.length} result(s) for a batch of ` +
      `${operations.length} operation(s).`;
    engine.log('error', `Entity '${schedulerIdOf(entity)}': ${message}`);
    return failAll(message);
  }
  return result;
}

/** Each call (not signal) gets its ResponseMessage, addressed to the execution that asked. */
function responses(operations: RequestMessage[], result: EntityBatchResult, now: number): OutgoingMessage[] {
  const messages: OutgoingMessage[] = [];
  operations.forEach((operation, index) => {
    const outcome = result.results[index];
    if (operation.signal === true || operation.parent === undefined || outcome === undefined) {
      return;
    }
    messages.push(
      eventMessage(
        operation.parent,
        operation.parentExecution ?? null,
        operation.id,
        responseJson(outcome.result, outcome.isError),
        now,
      ),
    );
  });
  return messages;
}

/** Signals an entity sends are one-way requests from the entity itself, with fresh IDs. */
function signals(schedulerId: string, result: EntityBatchResult, now: number): OutgoingMessage[] {
  return result.signals.map((signal) =>
    eventMessage(
      schedulerIdOf(signal.target),
      null,
      REQUEST_EVENT_NAME,
      JSON.stringify(
        requestMessage({
          operation: signal.name,
          isSignal: true,
          input: signal.input,
          id: randomUUID(),
          parent: schedulerId,
          timestamp: roundTripTime(now),
        }),
      ),
      now,
    ),
  );
}

function commit(
  engine: EngineContext,
  schedulerId: string,
  entity: EntityRef,
  state: SchedulerState,
  consumed: number[],
  outgoing: OutgoingMessage[],
  now: number,
): void {
  const { store } = engine;
  store.transaction(() => {
    store.deleteMessages(consumed);
    if (isEmptyScheduler(state)) {
      store.deleteEntity(schedulerId);
    } else {
      store.upsertEntity({
        instanceId: schedulerId,
        name: entity.name,
        key: entity.key,
        scheduler: state,
        lastModified: now,
      });
    }
    for (const message of outgoing) {
      store.insertMessage({ ...message, visibleAt: now });
    }
  });
}
