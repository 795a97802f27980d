import type { ObservedInvocation } from '../../dev/host/worker';
import { jsonSafeTypedData, outputReturn } from './bridge';

/** One function invocation: what the engine (or the driver) sent and what the app answered. */
export interface RecordedInvocation {
  functionName: string;
  triggerType: string;
  /** Orchestrators: the parsed trigger payload. Activities: the input text. Others: the typed data. */
  trigger: unknown;
  /** Orchestrators: the parsed orchestrator state. Activities: the typed data. Failures: the message. */
  reply: unknown;
}

export interface Recording {
  scenario: string;
  app: string;
  /** The durableClient binding payload. */
  clientPayload: unknown;
  /** HTTP, timer and Event Grid invocations, in the order the driver made them. */
  calls: RecordedInvocation[];
  /** What the scenario noted itself (raw management API exchanges), in order. */
  notes: unknown[];
  /** Orchestrator episodes per instance, in order. */
  orchestrations: Record<string, RecordedInvocation[]>;
  /** Entity batches per entity (`@name@key`), in order; only in recordings where an entity ran. */
  entities?: Record<string, RecordedInvocation[]>;
  /**
   * Activity invocations, sorted by their own normalised text (their order across instances is not defined, and
   * sorting by raw text would follow the generated ids).
   */
  activities: RecordedInvocation[];
  /** The status query JSON with full history, input and outputs, per instance the scenario names. */
  instances: Record<string, unknown>;
  /**
   * Events the app published: grouped by their normalised `subject` (instances publish concurrently), in
   * arrival order within a subject.
   */
  events: unknown[];
}

export function recordInvocation(observed: ObservedInvocation): RecordedInvocation {
  const text = observed.triggerData?.string;
  // Orchestrations and entities both take their payload as JSON text and answer with a JSON result.
  const isOrchestration =
    observed.triggerType === 'orchestrationTrigger' || observed.triggerType === 'entityTrigger';
  const trigger =
    isOrchestration && typeof text === 'string'
      ? (JSON.parse(text) as unknown)
      : observed.triggerType === 'activityTrigger'
        ? (text ?? null)
        : jsonSafeTypedData(observed.triggerData);
  let reply: unknown;
  if (observed.outcome.ok) {
    const returnValue = observed.outcome.response.returnValue ?? outputReturn(observed.outcome.response);
    reply =
      isOrchestration && typeof returnValue?.json === 'string'
        ? (JSON.parse(returnValue.json) as unknown)
        : jsonSafeTypedData(returnValue);
    if (observed.triggerType === 'entityTrigger') {
      reply = withoutEntityClockReadings(reply);
    }
  } else {
    const error = observed.outcome.error;
    reply = { error: error instanceof Error ? error.message : String(error) };
  }
  return { functionName: observed.functionName, triggerType: observed.triggerType, trigger, reply };
}

const ENTITY_CLOCK = '<entity clock reading>';

/**
 * The durable-functions entity runtime stamps each operation result (`startTime`, `duration`) and each signal
 * (`requestTime`) with the worker's wall clock in epoch milliseconds, which the ISO-8601 rule cannot see.
 */
function withoutEntityClockReadings(reply: unknown): unknown {
  if (reply === null || typeof reply !== 'object') {
    return reply;
  }
  const state = reply as { results?: unknown[]; signals?: unknown[] };
  const stamped = (items: unknown[] | undefined, fields: string[]): unknown[] | undefined =>
    items?.map((item) =>
      item !== null && typeof item === 'object'
        ? {
            ...item,
            ...Object.fromEntries(
              fields.filter((field) => field in item).map((field) => [field, ENTITY_CLOCK]),
            ),
          }
        : item,
    );
  return {
    ...state,
    ...(state.results ? { results: stamped(state.results, ['startTime', 'duration']) } : {}),
    ...(state.signals ? { signals: stamped(state.signals, ['requestTime']) } : {}),
  };
}

/** Collects invocations into the recording's shape. */
export class InvocationLog {
  readonly calls: RecordedInvocation[] = [];
  readonly orchestrations: Record<string, RecordedInvocation[]> = {};
  readonly entities: Record<string, RecordedInvocation[]> = {};
  private readonly activityList: RecordedInvocation[] = [];

  readonly observe = (observed: ObservedInvocation): void => {
    const recorded = recordInvocation(observed);
    if (observed.triggerType === 'orchestrationTrigger') {
      const id = (recorded.trigger as { instanceId?: string }).instanceId ?? '?';
      (this.orchestrations[id] ??= []).push(recorded);
    } else if (observed.triggerType === 'entityTrigger') {
      const self = (recorded.trigger as { self?: { name?: string; key?: string } }).self;
      (this.entities[`@${self?.name ?? '?'}@${self?.key ?? '?'}`] ??= []).push(recorded);
    } else if (observed.triggerType === 'activityTrigger') {
      this.activityList.push(recorded);
    }
    // Calls are recorded by the driver, with its own payload, so that both hosts record the same thing.
  };

  activities(): RecordedInvocation[] {
    return sortedBy(this.activityList, (invocation) => JSON.stringify(normalise(invocation)));
  }
}

/** A stable sort by a text key. */
export function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, key: key(item) }));
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return keyed.map(({ item }) => item);
}

const TIMESTAMP = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?/g;
// Not \b: generated ids also follow an underscore (the simulator's `vm1-os_<guid>` disk restore points).
export const GUID =
  /(?<![0-9a-fA-F])(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-f]{32})(?![0-9a-fA-F])/g;
const LOOPBACK = /http:\/\/(?:127\.0\.0\.1|localhost):\d+/g;
const KEY = /code=[^&"\\]+/g;

/**
 * The documented normalisation (see README.md): every ISO-8601 timestamp becomes `<time>`; every GUID (any
 * case, with dashes or in `N` form) becomes `<guid-N>`, numbered by first appearance in the recording; every
 * loopback origin becomes `http://<loopback>`; every `code=` key becomes `code=<key>`. Nothing else changes.
 * It runs on the JSON text, so values inside JSON strings (history Input and Result) are covered too.
 */
export function normalise<T>(value: T): T {
  const guids = new Map<string, string>();
  const text = JSON.stringify(value)
    .replace(TIMESTAMP, '<time>')
    .replace(GUID, (guid) => {
      const key = guid.toLowerCase().replace(/-/g, '');
      let token = guids.get(key);
      if (token === undefined) {
        token = `<guid-${guids.size + 1}>`;
        guids.set(key, token);
      }
      return token;
    })
    .replace(LOOPBACK, 'http://<loopback>')
    .replace(KEY, 'code=<key>');
  return JSON.parse(text) as T;
}
