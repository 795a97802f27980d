import { armIdsEqual, formatRestorePointId, parseRestorePointId } from './armIds';
import { isRecord } from './jsonValues';
import { shown } from './shownInput';

export const RESOURCE_WRITE_SUCCESS = 'Microsoft.Resources.ResourceWriteSuccess';
export const RESTORE_POINT_WRITE = 'Microsoft.Compute/restorePointCollections/restorePoints/write';

export type ArmEventSchema = 'cloudevents' | 'eventgrid';

export type ParsedArmEvent =
  | { kind: 'restore-point-written'; restorePointId: string; eventId: string; schema: ArmEventSchema }
  /** A well-formed event rpcopy does not act on. */
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; reason: string };

/**
 * Reads an Azure Resource Manager event in either schema: an object with `specversion` is a CloudEvent
 * (`type`), anything else the Event Grid schema (`eventType`).
 *
 * @remarks Only `ResourceWriteSuccess` for `…/restorePoints/write` (case-insensitive) is acted on. The
 * restore point id comes from `data.resourceUri`, falling back to `subject`. Never throws.
 */
export function parseArmEvent(event: unknown): ParsedArmEvent {
  if (!isRecord(event)) {
    return { kind: 'malformed', reason: 'the event is not a JSON object' };
  }
  const schema: ArmEventSchema = 'specversion' in event ? 'cloudevents' : 'eventgrid';
  const type = schema === 'cloudevents' ? event.type : event.eventType;
  if (typeof type !== 'string' || type.length === 0) {
    return {
      kind: 'malformed',
      reason: `the event has no ${schema === 'cloudevents' ? 'type' : 'eventType'}`,
    };
  }
  if (type.toLowerCase() !== RESOURCE_WRITE_SUCCESS.toLowerCase()) {
    return { kind: 'ignored', reason: `event type ${shown(type)}` };
  }
  const data = event.data;
  if (!isRecord(data)) {
    return { kind: 'malformed', reason: 'the event has no data object' };
  }
  const operation = data.operationName;
  if (typeof operation !== 'string') {
    return { kind: 'malformed', reason: 'data.operationName is missing' };
  }
  if (operation.toLowerCase() !== RESTORE_POINT_WRITE.toLowerCase()) {
    return { kind: 'ignored', reason: `operation ${shown(operation)}` };
  }
  if (typeof data.status === 'string' && data.status.toLowerCase() !== 'succeeded') {
    return { kind: 'ignored', reason: `operation status ${shown(data.status)}` };
  }
  const uri = typeof data.resourceUri === 'string' ? data.resourceUri : event.subject;
  if (typeof uri !== 'string') {
    return { kind: 'malformed', reason: 'neither data.resourceUri nor subject names the resource' };
  }
  // ARM sets both to the same resource; an event where they differ was not written by ARM, and acting on
  // either one would let its author pick what rpcopy reads.
  if (typeof event.subject === 'string' && event.subject !== '' && !armIdsEqual(event.subject, uri)) {
    return { kind: 'malformed', reason: 'subject and data.resourceUri name different resources' };
  }
  const parsed = parseRestorePointId(uri);
  if (!parsed.ok) {
    return { kind: 'malformed', reason: parsed.message };
  }
  return {
    kind: 'restore-point-written',
    restorePointId: formatRestorePointId(parsed.value),
    eventId: typeof event.id === 'string' ? event.id : '',
    schema,
  };
}
