import fs from 'node:fs';
import path from 'node:path';

import type { RpcTypedData } from '../../dev/host/worker';
import { jsonSafeTypedData, type CallReply } from './bridge';
import {
  GUID,
  normalise,
  sortedBy,
  type InvocationLog,
  type RecordedInvocation,
  type Recording,
} from './recording';
import type { Scenario, ScenarioDriver } from './scenario';

/** What differs between the two engines: how to call, wait and fetch the status JSON. */
export interface EngineSide {
  label: string;
  /** The durableClient binding payload the engine hands the app. */
  clientPayload: unknown;
  driver: Omit<ScenarioDriver, 'call' | 'note'>;
  call(functionName: string, triggerData: RpcTypedData): Promise<CallReply>;
  statusJson(instanceId: string): Promise<unknown>;
  events(): unknown[];
}

/** Runs a scenario on one engine and builds its normalised recording. */
export async function recordScenario(
  scenario: Scenario,
  side: EngineSide,
  log: InvocationLog,
): Promise<Recording> {
  const calls: RecordedInvocation[] = [];
  const notes: unknown[] = [];
  const driver: ScenarioDriver = {
    ...side.driver,
    note: (value) => notes.push(value),
    call: async (functionName, triggerData) => {
      const reply = await side.call(functionName, triggerData);
      calls.push({
        functionName,
        triggerType: 'call',
        trigger: jsonSafeTypedData(triggerData),
        reply: readableReply(reply),
      });
      return reply;
    },
  };
  const ids = await scenario.run(driver);
  const instances: Record<string, unknown> = {};
  for (const id of ids) {
    instances[id] = await side.statusJson(id);
  }
  const raw = {
    scenario: scenario.name,
    app: scenario.app,
    clientPayload: side.clientPayload,
    calls,
    notes,
    // Instances run concurrently, so they are listed by id (generated parts aside) for a stable GUID numbering.
    orchestrations: Object.fromEntries(
      sortedBy(Object.entries(log.orchestrations), ([id]) => id.replace(GUID, '')),
    ),
    ...(Object.keys(log.entities).length > 0
      ? { entities: Object.fromEntries(sortedBy(Object.entries(log.entities), ([id]) => id)) }
      : {}),
    activities: log.activities(),
    instances,
    events: sortedBy(side.events(), (event) =>
      JSON.stringify(normalise((event as { subject?: unknown }).subject ?? '')),
    ),
  };
  // For looking into a difference: the recording before normalisation.
  const rawDir = process.env.CONFORMANCE_RAW_DIR;
  if (rawDir) {
    fs.writeFileSync(path.join(rawDir, `${scenario.name}.${side.label}.json`), JSON.stringify(raw, null, 2));
  }
  return normalise(raw);
}

/** An HTTP reply's body bytes as UTF-8 text, so that the normalisation reaches the JSON inside. */
function readableReply(reply: CallReply): unknown {
  if (!reply.ok) {
    return reply;
  }
  const returnValue = reply.returnValue as { http?: { body?: { bytes?: string } } } | null;
  const bytes = returnValue?.http?.body?.bytes;
  if (bytes === undefined || !returnValue?.http) {
    return reply;
  }
  return {
    ...reply,
    returnValue: {
      ...returnValue,
      http: { ...returnValue.http, body: { bytesAsUtf8: Buffer.from(bytes, 'base64').toString('utf8') } },
    },
  };
}

/** The differences between two recordings as `path: expected → actual` lines; empty when identical. */
export function diffRecordings(expected: unknown, actual: unknown, at = '$'): string[] {
  if (JSON.stringify(expected) === JSON.stringify(actual)) {
    return [];
  }
  if (
    expected !== null &&
    actual !== null &&
    typeof expected === 'object' &&
    typeof actual === 'object' &&
    Array.isArray(expected) === Array.isArray(actual)
  ) {
    const a = expected as Record<string, unknown>;
    const b = actual as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    return keys.flatMap((key) => diffRecordings(a[key], b[key], `${at}.${key}`));
  }
  const show = (value: unknown): string => (value === undefined ? '(absent)' : JSON.stringify(value));
  return [`${at}: ${show(expected)} → ${show(actual)}`];
}
