import type { CopyDocument, CopyStatus } from './copyDocument';

export const COPY_EVENT_TYPES = [
  'RestorePointCopy.Started',
  'RestorePointCopy.Succeeded',
  'RestorePointCopy.Failed',
  'RestorePointCopy.TimedOut',
  'RestorePointCopy.Canceled',
  'RestorePointCopy.Skipped',
] as const;

export type CopyEventType = (typeof COPY_EVENT_TYPES)[number];

/** A CloudEvents 1.0 event as `@azure/eventgrid` sends it (`specversion` is added by the client). */
export interface CopyCloudEvent {
  id: string;
  type: CopyEventType;
  source: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: CopyDocument;
}

const TERMINAL_EVENT: Readonly<Partial<Record<CopyStatus, CopyEventType>>> = {
  Succeeded: 'RestorePointCopy.Succeeded',
  Failed: 'RestorePointCopy.Failed',
  TimedOut: 'RestorePointCopy.TimedOut',
  Canceled: 'RestorePointCopy.Canceled',
  Skipped: 'RestorePointCopy.Skipped',
};

/** The event type that announces a terminal status; undefined for a status that is not terminal. */
export function terminalEventType(status: CopyStatus): CopyEventType | undefined {
  return TERMINAL_EVENT[status];
}

/**
 * Builds the event for a copy.
 *
 * @remarks `id` is the copy id plus the type, so a subscriber deduplicates redeliveries and republishing after
 * a crash; a restarted copy adds its attempt number, so its new outcome is not mistaken for the old one. `subject` is the target restore point id; before a target is named (a copy skipped early) it falls
 * back to the source restore point id, so that subject filters still match something meaningful.
 */
export function buildCopyEvent(
  type: CopyEventType,
  document: CopyDocument,
  source: string,
  time: string,
): CopyCloudEvent {
  return {
    id:
      document.attempt !== undefined && document.attempt > 1
        ? `${document.id}:attempt-${document.attempt}:${type}`
        : `${document.id}:${type}`,
    type,
    source,
    subject: document.targetRestorePointId ?? document.sourceRestorePointId,
    time,
    datacontenttype: 'application/json',
    data: document,
  };
}
