import type { HistoryEvent } from '../contract';

/** DTFx `EventType` values (durable-host-protocol.md §2.3). */
export const EventType = {
  ExecutionStarted: 0,
  ExecutionCompleted: 1,
  ExecutionFailed: 2,
  ExecutionTerminated: 3,
  TaskScheduled: 4,
  TaskCompleted: 5,
  TaskFailed: 6,
  SubOrchestrationInstanceCreated: 7,
  SubOrchestrationInstanceCompleted: 8,
  SubOrchestrationInstanceFailed: 9,
  TimerCreated: 10,
  TimerFired: 11,
  OrchestratorStarted: 12,
  OrchestratorCompleted: 13,
  EventSent: 14,
  EventRaised: 15,
  ContinueAsNew: 16,
  GenericEvent: 17,
  HistoryState: 18,
  ExecutionSuspended: 19,
  ExecutionResumed: 20,
} as const;

export type EventTypeName = keyof typeof EventType;

const namesByNumber = new Map<number, EventTypeName>(
  Object.entries(EventType).map(([name, value]) => [value, name as EventTypeName]),
);

export function eventTypeName(type: number): string {
  return namesByNumber.get(type) ?? `Unknown(${type})`;
}

export function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Data-contract members the real extension serializes as null even when unset (recorded in
 * test/fixtures/real-durable). ContinueAsNew is a DTFx subclass of ExecutionCompleted, so it has them too.
 */
const NULL_MEMBERS: Partial<Record<number, Record<string, unknown>>> = {
  [EventType.ExecutionCompleted]: { FailureDetails: null },
  [EventType.ContinueAsNew]: { FailureDetails: null },
  [EventType.TaskFailed]: { FailureDetails: null },
  [EventType.SubOrchestrationInstanceFailed]: { FailureDetails: null },
};

/** Builds one wire-shaped history event; `EventId` is -1 except on scheduling events. */
export function historyEvent(
  type: number,
  timestampMs: number,
  fields: Record<string, unknown> = {},
  eventId = -1,
): HistoryEvent {
  return {
    EventType: type,
    EventId: eventId,
    IsPlayed: false,
    Timestamp: isoTimestamp(timestampMs),
    ...NULL_MEMBERS[type],
    ...fields,
  };
}

export function stringField(event: HistoryEvent, field: string): string | undefined {
  const value = event[field];
  return typeof value === 'string' ? value : undefined;
}

export function numberField(event: HistoryEvent, field: string): number | undefined {
  const value = event[field];
  return typeof value === 'number' ? value : undefined;
}

/** .NET `TimeSpan` invariant format (`d.hh:mm:ss[.fffffff]`), as Newtonsoft writes it. */
export function formatTimeSpan(ms: number): string {
  const totalMs = Math.max(0, Math.floor(ms));
  const days = Math.floor(totalMs / 86_400_000);
  const hours = Math.floor((totalMs % 86_400_000) / 3_600_000);
  const minutes = Math.floor((totalMs % 3_600_000) / 60_000);
  const seconds = Math.floor((totalMs % 60_000) / 1000);
  const fraction = totalMs % 1000;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const clock = `${pad(hours)}:${pad(minutes)}:${pad(seconds)}`;
  const withFraction = fraction > 0 ? `${clock}.${String(fraction * 10_000).padStart(7, '0')}` : clock;
  return days > 0 ? `${days}.${withFraction}` : withFraction;
}

/** Parses JSON text kept in history; text that is not JSON is returned as is (like the status API does). */
export function parseJsonOrRaw(text: string | null | undefined): unknown {
  if (text === null || text === undefined) {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
