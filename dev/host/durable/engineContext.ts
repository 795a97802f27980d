import { randomUUID } from 'node:crypto';

import type { Clock } from '../../clock';
import type { FunctionInvoker, HistoryEvent, RuntimeStatus } from '../contract';
import type { DurableStore, InstanceRow } from './durableStore';
import { executionStartedEvent } from './episodeCommit';
import type { Logger } from './replayEpisode';

export interface EngineSettings {
  readonly maxShortTimerMs: number;
  readonly longTimerIntervalMs: number;
  readonly failureFormat: 'legacy' | 'failureDetails';
  readonly storeInputs: boolean;
  readonly httpSleepMs: number;
  /** `MaxEntityOperationBatchSize`: operations one entity invocation may run. */
  readonly maxEntityBatchSize: number;
}

/** What the client operations, the activity runner and the episode runner share with the work pump. */
export interface EngineContext {
  readonly clock: Clock;
  readonly invoker: FunctionInvoker;
  readonly store: DurableStore;
  readonly log: Logger;
  readonly settings: EngineSettings;
  /** True once `stop()` ran: work still in flight must not touch the (closed) store. */
  readonly stopped: boolean;
  /** Starts whatever work is ready. */
  pump(): void;
  /** Wakes the pump when a future message becomes visible. */
  arm(messageId: number, dueAt: number): void;
  disarm(messageId: number): void;
}

const TERMINAL: ReadonlySet<RuntimeStatus> = new Set(['Completed', 'Failed', 'Terminated', 'Canceled']);

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL.has(status);
}

export function newGuidN(): string {
  return randomUUID().replace(/-/g, '');
}

/** Resets an instance to a fresh Pending execution and queues its ExecutionStarted message. */
export function createExecution(store: DurableStore, row: InstanceRow, now: number): HistoryEvent {
  const start = executionStartedEvent(row, now, row.parent === null);
  store.deleteInstance(row.instanceId);
  store.upsertInstance(row);
  store.insertMessage({
    instanceId: row.instanceId,
    executionId: row.executionId,
    event: start,
    visibleAt: now,
  });
  return start;
}
