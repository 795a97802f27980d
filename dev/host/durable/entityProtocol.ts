/**
 * The Durable extension's entity message protocol (its `EntityScheduler` folder and the entity middleware
 * in `DurableTaskExtension`), without I/O: how an entity is addressed, the JSON of the messages that
 * orchestrations, clients and entities send each other, and how an entity's scheduler state turns the
 * messages it received into the next batch of operations. An entity is an instance whose ID is
 * `@<name lowercased>@<key>`; every message to it is an EventRaised named `op` (an operation or a lock
 * request) or `release`, and every answer to an orchestration is an EventRaised named after the request
 * ID whose input is a ResponseMessage.
 */
import { createHash } from 'node:crypto';

import type { EntityRef, HistoryEvent } from '../contract';
import { EventType, historyEvent, stringField } from './historyEvents';

export const REQUEST_EVENT_NAME = 'op';
export const RELEASE_EVENT_NAME = 'release';
/** Sent by an entity to itself when a batch hit the size limit, so the rest of its queue runs next. */
export const CONTINUE_EVENT_NAME = 'continue';
/** What the last entity of a lock set answers (the receiver ignores it; it shows in history). */
export const LOCK_ACQUIRED_RESULT = 'Lock Acquisition Completed';
/** `DateTime.MinValue` as Newtonsoft writes it: an unset RequestMessage timestamp. */
const DATETIME_MIN = '0001-01-01T00:00:00';

export function isEntityInstanceId(instanceId: string): boolean {
  return instanceId.startsWith('@');
}

export function schedulerIdOf(entity: EntityRef): string {
  return `@${entity.name.toLowerCase()}@${entity.key}`;
}

/** `EntityId.GetEntityIdFromSchedulerId`; the name comes back lowercased, as the extension has it. */
export function entityOfSchedulerId(schedulerId: string): EntityRef {
  const at = schedulerId.indexOf('@', 1);
  if (!schedulerId.startsWith('@') || at < 0) {
    throw new Error(`'${schedulerId}' is not an entity instance ID`);
  }
  return { name: schedulerId.slice(1, at).toLowerCase(), key: schedulerId.slice(at + 1) };
}

/** Json.NET's type tag, which the extension's message serializer writes first in every entity message. */
const TYPE_PREFIX = 'Microsoft.Azure.WebJobs.Extensions.DurableTask';
const typeTag = (name: string): string => `${TYPE_PREFIX}.${name}, ${TYPE_PREFIX}`;

/** An `EntityId` inside a message (a lock set), tagged as Json.NET writes it. */
export interface TaggedEntityId {
  $type: string;
  name: string;
  key: string;
}

/**
 * `RequestMessage` as the extension serializes it (recorded in test/fixtures/real-durable/entity-*.json):
 * members in declaration order, `op` always (null for a lock request), the other defaults left out, and
 * `requestTime` on operations only.
 */
export interface RequestMessage {
  $type: string;
  op: string | null;
  signal?: true;
  input?: string;
  id: string;
  /** The sending orchestration or entity; absent when a client sent it. */
  parent?: string;
  parentExecution?: string;
  Timestamp: string;
  Predecessor: string;
  requestTime?: string;
  lockset?: TaggedEntityId[];
  pos?: number;
}

export interface NewRequest {
  operation?: string;
  isSignal: boolean;
  input: string | null;
  id: string;
  parent?: string;
  parentExecution?: string;
  /** When it was sent (.NET round-trip text); DateTime.MinValue when unknown. */
  timestamp?: string;
  lockSet?: EntityRef[];
  position?: number;
}

export function requestMessage(request: NewRequest): RequestMessage {
  const timestamp = request.timestamp ?? DATETIME_MIN;
  return {
    $type: typeTag('RequestMessage'),
    op: request.operation ?? null,
    ...(request.isSignal ? { signal: true as const } : {}),
    ...(request.input !== null ? { input: request.input } : {}),
    id: request.id,
    ...(request.parent !== undefined ? { parent: request.parent } : {}),
    ...(request.parentExecution !== undefined ? { parentExecution: request.parentExecution } : {}),
    Timestamp: timestamp,
    Predecessor: DATETIME_MIN,
    ...(request.lockSet === undefined ? { requestTime: timestamp } : {}),
    ...(request.lockSet !== undefined
      ? { lockset: request.lockSet.map((entity) => ({ $type: typeTag('EntityId'), ...entity })) }
      : {}),
    ...(request.position ? { pos: request.position } : {}),
  };
}

/** `ResponseMessage`: `exceptionType` only on failures; the out-of-process path names every failure `Error`. */
export function responseJson(result: string | null, isError: boolean): string {
  const type = typeTag('ResponseMessage');
  return JSON.stringify(isError ? { $type: type, result, exceptionType: 'Error' } : { $type: type, result });
}

export function releaseJson(parentInstanceId: string, lockRequestId: string): string {
  return JSON.stringify({ $type: typeTag('ReleaseMessage'), parent: parentInstanceId, id: lockRequestId });
}

/** A message on its way to an orchestration or entity. `executionId` null: any execution takes it. */
export interface OutgoingMessage {
  instanceId: string;
  executionId: string | null;
  event: HistoryEvent;
}

/** DTFx `SendEvent` delivers an EventRaised with the event name and the serialized content. */
export function eventMessage(
  instanceId: string,
  executionId: string | null,
  name: string,
  input: string,
  now: number,
): OutgoingMessage {
  return {
    instanceId,
    executionId,
    event: historyEvent(EventType.EventRaised, now, { Name: name, Input: input, ParentTraceContext: null }),
  };
}

/** `SchedulerState`, what the extension persists for an entity between batches. */
export interface SchedulerState {
  exists: boolean;
  state: string | null;
  queue: RequestMessage[];
  lockedBy: string | null;
}

export function emptySchedulerState(): SchedulerState {
  return { exists: false, state: null, queue: [], lockedBy: null };
}

/** No state, nothing queued, no lock: the extension deletes such an entity (implicit deletion). */
export function isEmptyScheduler(state: SchedulerState): boolean {
  return !state.exists && state.queue.length === 0 && state.lockedBy === null;
}

export interface ReceivedMessages {
  state: SchedulerState;
  /** Events that were not entity messages or could not be parsed, with the reason, for the log. */
  dropped: string[];
}

/**
 * Step 1 of the entity middleware: operation and lock requests join the queue (those from the lock holder
 * jump ahead of everything else), and releases from the lock holder unlock the entity. The store delivers
 * messages in the order they were sent, so the extension's message sorter has nothing to reorder.
 */
export function receiveMessages(current: SchedulerState, events: HistoryEvent[]): ReceivedMessages {
  const state: SchedulerState = { ...current, queue: [...current.queue] };
  const lockHolderMessages: RequestMessage[] = [];
  const dropped: string[] = [];
  for (const event of events) {
    const name = stringField(event, 'Name') ?? '';
    if (event.EventType !== EventType.EventRaised) {
      dropped.push(`an event of type ${event.EventType} is not an entity message`);
      continue;
    }
    if (name === RELEASE_EVENT_NAME) {
      const release = parseObject(stringField(event, 'Input'));
      if (release && typeof release.parent === 'string' && release.parent === state.lockedBy) {
        state.lockedBy = null;
      }
      continue;
    }
    if (!name.startsWith(REQUEST_EVENT_NAME)) {
      // A continue message only resumes processing, which every batch does here.
      continue;
    }
    const request = parseRequest(stringField(event, 'Input'));
    if (request === undefined) {
      dropped.push(
        `the request ${JSON.stringify(stringField(event, 'Input') ?? null)} is not a RequestMessage`,
      );
      continue;
    }
    if (state.lockedBy !== null && state.lockedBy === request.parent) {
      lockHolderMessages.push(request);
    } else {
      state.queue.push(request);
    }
  }
  state.queue = [...lockHolderMessages, ...state.queue];
  return { state, dropped };
}

function parseObject(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) {
    return undefined;
  }
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function parseRequest(text: string | undefined): RequestMessage | undefined {
  const value = parseObject(text);
  if (value === undefined || typeof value.id !== 'string') {
    return undefined;
  }
  const lockset = value.lockset;
  if (
    lockset !== undefined &&
    (!Array.isArray(lockset) ||
      lockset.length === 0 ||
      !lockset.every(
        (entry) =>
          typeof entry === 'object' &&
          entry !== null &&
          typeof (entry as EntityRef).name === 'string' &&
          typeof (entry as EntityRef).key === 'string',
      ))
  ) {
    return undefined;
  }
  return value as unknown as RequestMessage;
}

function mayDequeue(state: SchedulerState): boolean {
  const head = state.queue[0];
  return head !== undefined && (state.lockedBy === null || state.lockedBy === head.parent);
}

export interface PlannedBatch {
  state: SchedulerState;
  operations: RequestMessage[];
  /** At most one lock request, always after the operations. */
  lockRequest: RequestMessage | undefined;
  /** The size limit stopped the batch while more operations could run: continue right after it. */
  continueAfter: boolean;
}

/**
 * Step 2 of the entity middleware: as many queued requests as may run now, in order, stopping at a lock
 * request (which runs last) or at the batch size limit. Requests from others wait while the entity is
 * locked.
 */
export function planBatch(current: SchedulerState, maxOperations: number): PlannedBatch {
  const state: SchedulerState = { ...current, queue: [...current.queue] };
  const operations: RequestMessage[] = [];
  let lockRequest: RequestMessage | undefined;
  let continueAfter = false;
  while (mayDequeue(state)) {
    if (operations.length >= maxOperations) {
      continueAfter = true;
      break;
    }
    const request = state.queue.shift();
    if (request === undefined) {
      break;
    }
    if (request.lockset !== undefined) {
      lockRequest = request;
      break;
    }
    operations.push(request);
  }
  return { state, operations, lockRequest, continueAfter };
}

/**
 * `TaskEntityShim.ProcessLockRequest`: the entity is now locked by the requester, and the request moves on
 * to the next entity of the lock set, or, from the last one, the requester learns it holds every lock.
 */
export function grantLock(
  state: SchedulerState,
  request: RequestMessage,
  now: number,
): { state: SchedulerState; message: OutgoingMessage } {
  const lockSet = request.lockset ?? [];
  const position = (request.pos ?? 0) + 1;
  // `pos` goes where Newtonsoft writes it, after the lock set.
  const locked: SchedulerState = { ...state, lockedBy: request.parent ?? null };
  const next = lockSet[position];
  if (next !== undefined) {
    const forwarded: RequestMessage = { ...request, pos: position };
    return {
      state: locked,
      message: eventMessage(schedulerIdOf(next), null, REQUEST_EVENT_NAME, JSON.stringify(forwarded), now),
    };
  }
  return {
    state: locked,
    message: eventMessage(
      request.parent ?? '',
      request.parentExecution ?? null,
      request.id,
      responseJson(LOCK_ACQUIRED_RESULT, false),
      now,
    ),
  };
}

const URL_NAMESPACE = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex');

/**
 * A name-based (version 5) UUID in the URL namespace: the extension's `NewGuid` hashes the instance ID, the
 * orchestration time and a counter the same way, so every replay sends the same request IDs.
 */
export function deterministicGuid(name: string): string {
  const hash = createHash('sha1').update(URL_NAMESPACE).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** .NET's round-trip (`o`) format for a UTC DateTime: seven fractional digits. */
export function roundTripTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/**
 * The releases owed by an execution that ends without running its code (terminate): every entity of the
 * last lock request it sent, unless it released them afterwards. A release to an entity that is not
 * locked by the instance changes nothing, so one for a lock still on its way is harmless.
 */
export function releasesOwed(instanceId: string, history: HistoryEvent[], now: number): OutgoingMessage[] {
  let held: RequestMessage | undefined;
  for (const event of history) {
    if (event.EventType !== EventType.EventSent) {
      continue;
    }
    const name = stringField(event, 'Name');
    if (name === RELEASE_EVENT_NAME) {
      held = undefined;
    } else if (name === REQUEST_EVENT_NAME) {
      const request = parseRequest(stringField(event, 'Input'));
      if (request?.lockset !== undefined) {
        held = request;
      }
    }
  }
  return (held?.lockset ?? []).map((entity) =>
    eventMessage(
      schedulerIdOf(entity),
      null,
      RELEASE_EVENT_NAME,
      releaseJson(instanceId, held?.id ?? ''),
      now,
    ),
  );
}
