/**
 * The protection events: an RPO breach begins or ends, a copy stalls, retention prunes a copy. CloudEvents
 * 1.0 like the copy events, sent through the same publisher. Every id is deterministic, so a subscriber
 * deduplicates a republished event.
 */

export const PROTECTION_EVENT_TYPES = [
  'RestorePointCopy.RpoBreached',
  'RestorePointCopy.RpoRestored',
  'RestorePointCopy.Stalled',
  'RestorePointCopy.Pruned',
] as const;

export type ProtectionEventType = (typeof PROTECTION_EVENT_TYPES)[number];

/** `data` of `RpoBreached` and `RpoRestored`. */
export interface RpoEventData {
  pairId: string;
  /** Identifies one breach: its `RpoBreached` and `RpoRestored` carry the same value. */
  breachId: string;
  sourceCollectionId: string;
  targetRegion: string;
  targetCollectionId: string;
  rpoTargetHours: number;
  /** Achieved RPO when the event was decided, in hours. */
  achievedRpoHours: number | null;
  /** When the pair passed its RPO (the newest usable copy's source creation time plus the target). */
  breachedAt: string;
  /** Only on `RpoRestored`: the source creation time of the copy that ended the breach. */
  restoredBy?: { targetRestorePointId: string; sourceCreatedAt: string };
  /** Why the pair is breached, when known. */
  reason?: { code: string; message: string; suggestion?: string };
}

export interface StalledDisk {
  /** The target disk restore point id. */
  id: string;
  percent: number;
}

/** `data` of `Stalled`. */
export interface StalledEventData {
  copyId: string;
  sourceRestorePointId: string;
  targetRestorePointId: string | null;
  targetRegion: string;
  /** Overall percent at which the copy stopped moving (also part of the event id: progress never repeats). */
  percent: number;
  /** The first poll that saw this percent. */
  stalledSince: string;
  stalledForSeconds: number;
  /** Disks that did not move since the previous poll. */
  disks: StalledDisk[];
  suggestion: string;
}

/** `data` of `Pruned`. */
export interface PrunedEventData {
  pairId: string;
  /** True in dry run: nothing was deleted. */
  dryRun: boolean;
  targetRestorePointId: string;
  sourceRestorePointId: string;
  sourceCollectionId: string;
  targetRegion: string;
  /** Source creation time when the source still exists, else the copy's own creation time. */
  createdAt: string;
  /** Which rule let it go, e.g. "not among the newest 7 copies and older than 30 days". */
  reason: string;
}

interface EventBase<T extends ProtectionEventType, D> {
  id: string;
  type: T;
  source: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  data: D;
}

export type ProtectionCloudEvent =
  | EventBase<'RestorePointCopy.RpoBreached' | 'RestorePointCopy.RpoRestored', RpoEventData>
  | EventBase<'RestorePointCopy.Stalled', StalledEventData>
  | EventBase<'RestorePointCopy.Pruned', PrunedEventData>;

/** What a person can do about a stalled copy. */
export const STALL_SUGGESTION =
  'Azure reports no replication progress. rpcopy keeps waiting until the copy deadline; nothing is lost yet. ' +
  'If it stays stalled for hours, check the Azure status page for the target region, then cancel the copy ' +
  '(POST /api/copies/{id}/cancel) and request it again, or open an Azure support case.';

export function rpoEvent(
  type: 'RestorePointCopy.RpoBreached' | 'RestorePointCopy.RpoRestored',
  data: RpoEventData,
  source: string,
  time: string,
): ProtectionCloudEvent {
  return {
    id: `${data.pairId}:rpo-breach:${data.breachId}:${type}`,
    type,
    source,
    subject: data.targetCollectionId,
    time,
    datacontenttype: 'application/json',
    data,
  };
}

export function stalledEvent(data: StalledEventData, source: string, time: string): ProtectionCloudEvent {
  return {
    id: `${data.copyId}:RestorePointCopy.Stalled:${data.percent}`,
    type: 'RestorePointCopy.Stalled',
    source,
    subject: data.targetRestorePointId ?? data.sourceRestorePointId,
    time,
    datacontenttype: 'application/json',
    data,
  };
}

export function prunedEvent(data: PrunedEventData, source: string, time: string): ProtectionCloudEvent {
  return {
    id: `${data.targetRestorePointId.toLowerCase()}:RestorePointCopy.Pruned${data.dryRun ? ':dry-run' : ''}`,
    type: 'RestorePointCopy.Pruned',
    source,
    subject: data.targetRestorePointId,
    time,
    datacontenttype: 'application/json',
    data,
  };
}
