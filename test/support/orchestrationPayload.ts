import type { HistoryEvent, OrchestrationTriggerPayload } from '../../dev/host/contract';

/**
 * An orchestration trigger payload with the settings the dev host sends by default (schema versions 1 and 2,
 * a 3-day long-timer interval, a 6-day longest short timer, 30 s between HTTP polls), for invoking an
 * orchestrator directly.
 */
export function orchestrationPayload(
  instanceId: string,
  input: unknown,
  history: HistoryEvent[],
  options: { isReplaying?: boolean } = {},
): OrchestrationTriggerPayload {
  return {
    history,
    input,
    instanceId,
    isReplaying: options.isReplaying ?? false,
    parentInstanceId: null,
    upperSchemaVersion: 1,
    upperSchemaVersionNew: 2,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };
}
