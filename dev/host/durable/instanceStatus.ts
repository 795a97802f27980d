import type { GetStatusOptions, HistoryEvent, InstanceStatus } from '../contract';
import { EventType, eventTypeName, parseJsonOrRaw } from './historyEvents';
import type { InstanceRow } from './durableStore';

/** DTFx `OrchestrationStatus` integers, as they appear in `ExecutionCompleted.OrchestrationStatus`. */
export const OrchestrationStatusNumber = {
  Running: 0,
  Completed: 1,
  ContinuedAsNew: 2,
  Failed: 3,
  Canceled: 4,
  Terminated: 5,
  Pending: 6,
  Suspended: 7,
} as const;

const statusNames = Object.keys(OrchestrationStatusNumber);

/** Date format `s` plus `Z`: no fractional seconds, as the real status API sends. */
export function statusTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `DurableClient.ParseToJToken`: JSON when it parses, the trimmed raw text otherwise, null for none. */
export function parseStatusValue(text: string | null): unknown {
  if (text === null) {
    return null;
  }
  const trimmed = text.trim();
  if (trimmed.length === 0) {
    return '';
  }
  return parseJsonOrRaw(trimmed);
}

interface ScheduledInfo {
  index: number;
  name: unknown;
  timestamp: unknown;
  input: unknown;
  instanceId: unknown;
}

/**
 * The extension's `historyEvents` transform (DurableClient.GetDurableOrchestrationStatusAsync). One
 * function, slightly over 80 lines, so that it reads case by case like the C# it mirrors.
 */
export function transformHistory(
  history: HistoryEvent[],
  showHistoryOutput: boolean,
  showInput: boolean,
): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = history.map((event) => ({ ...event }));
  const scheduled = new Map<string, ScheduledInfo>();
  const removed = new Set<number>();
  const withResult = (item: Record<string, unknown>, show: boolean): void => {
    if (!show) {
      delete item.Result;
    } else {
      item.Result = parseStatusValue(typeof item.Result === 'string' ? item.Result : null);
    }
  };
  const aggregate = (prefix: string, item: Record<string, unknown>): void => {
    const info = scheduled.get(`${prefix}_${String(item.TaskScheduledId)}`);
    if (!info) {
      return;
    }
    item.ScheduledTime = info.timestamp;
    item.FunctionName = info.name;
    if (prefix === 'SubOrchestrationInstanceCreated') {
      item.InstanceId = info.instanceId;
    }
    if (showInput) {
      item.Input = info.input ?? null;
    }
    removed.add(info.index);
  };
  items.forEach((item, index) => {
    const type = typeof item.EventType === 'number' ? item.EventType : -1;
    item.EventType = eventTypeName(type);
    switch (type) {
      case EventType.TaskScheduled:
      case EventType.SubOrchestrationInstanceCreated:
        scheduled.set(`${eventTypeName(type)}_${String(item.EventId)}`, {
          index,
          name: item.Name,
          timestamp: item.Timestamp,
          input: item.Input,
          instanceId: item.InstanceId,
        });
        delete item.Version;
        break;
      case EventType.TaskCompleted:
      case EventType.TaskFailed:
        aggregate('TaskScheduled', item);
        delete item.TaskScheduledId;
        if (type === EventType.TaskCompleted) {
          withResult(item, showHistoryOutput);
        }
        break;
      case EventType.SubOrchestrationInstanceCompleted:
      case EventType.SubOrchestrationInstanceFailed:
        aggregate('SubOrchestrationInstanceCreated', item);
        delete item.TaskScheduledId;
        if (type === EventType.SubOrchestrationInstanceCompleted) {
          withResult(item, showHistoryOutput);
        }
        break;
      case EventType.ExecutionStarted: {
        const functionName = item.Name;
        delete item.Name;
        item.FunctionName = functionName;
        delete item.OrchestrationInstance;
        delete item.ParentInstance;
        delete item.Version;
        delete item.Tags;
        break;
      }
      case EventType.ExecutionCompleted: {
        const status = item.OrchestrationStatus;
        if (typeof status === 'number' && statusNames[status] !== undefined) {
          item.OrchestrationStatus = statusNames[status];
        }
        withResult(item, showHistoryOutput);
        break;
      }
      case EventType.TimerFired:
        delete item.TimerId;
        break;
      case EventType.OrchestratorStarted:
      case EventType.OrchestratorCompleted:
        removed.add(index);
        break;
      default:
        break;
    }
    if (!showInput) {
      delete item.Input;
    }
    delete item.EventId;
    delete item.IsPlayed;
  });
  return items.filter((_, index) => !removed.has(index));
}

export function toInstanceStatus(
  row: InstanceRow,
  history: HistoryEvent[] | undefined,
  options: GetStatusOptions = {},
): InstanceStatus {
  const showInput = options.showInput ?? true;
  const status: InstanceStatus = {
    name: row.name,
    instanceId: row.instanceId,
    ...(row.parent ? { parentInstanceId: row.parent.instanceId } : {}),
    runtimeStatus: row.runtimeStatus,
    input: showInput ? parseStatusValue(row.input) : null,
    customStatus: parseStatusValue(row.customStatus),
    output: parseStatusValue(row.output),
    createdTime: statusTime(row.createdTime),
    lastUpdatedTime: statusTime(row.lastUpdatedTime),
  };
  // The extension does not read history for a Pending instance, so the field is left out.
  if (options.showHistory === true && history !== undefined && row.runtimeStatus !== 'Pending') {
    status.historyEvents = transformHistory(history, options.showHistoryOutput === true, showInput);
  }
  return status;
}
