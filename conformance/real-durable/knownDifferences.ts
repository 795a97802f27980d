/**
 * Differences between the real extension and the dev host that the dev host cannot remove, each with its
 * reason; dev/host/README.md lists the same. They are applied to both recordings before comparing, and touch
 * nothing else.
 */
export const KNOWN_DIFFERENCES = [
  {
    what: 'the InnerException inside an activity failure’s Details',
    why: 'it is the Functions host’s RpcException serialized by the extension, with .NET stack traces of the host process; the Functions host is not available here, so the harness throws a stand-in of the same name and message, and neither side can claim the real members',
  },
  {
    what: 'long-timers: the sub-timers after the first episode, and the instance history',
    why: 'Azure Storage queue visibility delays are whole seconds, so on the real engine a timer message can arrive up to a second before its FireAt; durable-functions then sees currentUtcDateTime before the final fire time and schedules another sub-timer, so how many sub-timers a long timer takes depends on real latency. The dev host fires each timer at its FireAt on a virtual clock. The first episode, the final status and output are still compared',
  },
  {
    what: 'rpcopy scenarios: the orchestrator episodes and the instance history',
    why: 'the same early timers: an early timer now ends its wait (rpcopy no longer re-arms one for the remaining second), but each wait still fires at a real-latency instant, so episode boundaries and timer timestamps differ run to run. The calls, the activities with their inputs and results, the final status (output, custom status) and the published events are still compared',
  },
  {
    what: 'rpcopy-failed-disk: how many progress reads come before the failure shows',
    why: 'phase-locked polling aims each read just after a learned progress refresh; on the real engine a timer that fires up to a second early can land a read just before the refresh, so the lock is lost and the copy reads again sooner, as many times as real latency dictates. The lock tolerates timers up to 2 s early (tested on the virtual clock), but this scenario refreshes progress every 2 s so that it runs in seconds: a second of timer and activity latency is half a period there, and the real engine made 16, 12 and 14 progress reads in three runs. On Azure’s 10-minute refresh the same second is negligible. Every other activity, the failed status and the events are still compared; the carried state of a generation that ended early is not',
  },
  {
    what: 'rpcopy-cancel: the cleanup shown in the cancel route’s answer',
    why: 'the route answers with the copy as it stands once it has settled as Canceled, watching for about a second; the orchestration shows Canceled before its cleanup activity runs, and on the real engine the answer is taken in between (no cleanup yet), while the dev host runs the whole cleanup before the route looks. The status code, the status, every other field, the cleanup itself (activities, final status) and the events are still compared',
  },
] as const;

const REPLACED = '<Functions host RpcException (known difference)>';

function withoutHostException(details: string): string {
  try {
    const parsed = JSON.parse(details) as Record<string, unknown>;
    if (parsed.InnerException === undefined || parsed.InnerException === null) {
      return details;
    }
    return JSON.stringify({ ...parsed, InnerException: REPLACED });
  } catch {
    return details;
  }
}

const LATENCY_DEPENDENT = '<depends on real latency (known difference)>';

/** The recording with the known differences blanked out, identically on both sides. */
export function withoutKnownDifferences<T>(value: T): T {
  const blanked = withoutHostExceptions(value);
  const recording = blanked as {
    scenario?: unknown;
    orchestrations?: Record<string, unknown[]>;
    instances?: Record<string, { body?: Record<string, unknown> }>;
  };
  if (typeof recording.scenario === 'string' && recording.scenario.startsWith('rpcopy-')) {
    for (const id of Object.keys(recording.orchestrations ?? {})) {
      recording.orchestrations![id] = [LATENCY_DEPENDENT];
    }
    for (const instance of Object.values(recording.instances ?? {})) {
      if (instance.body) {
        instance.body.historyEvents = LATENCY_DEPENDENT;
      }
    }
  }
  if (recording.scenario === 'rpcopy-failed-disk') {
    const withActivities = recording as { activities?: { functionName?: string }[] };
    const reads = (withActivities.activities ?? []).filter(
      (activity) => activity.functionName === 'getCopyProgressActivity',
    );
    if (reads.length > 0) {
      withActivities.activities = [
        ...(withActivities.activities ?? []).filter((activity) => !reads.includes(activity)),
        { functionName: 'getCopyProgressActivity', reads: LATENCY_DEPENDENT } as { functionName: string },
      ];
    }
    // Extra reads can end a generation early (the history bound), so the carried state differs too.
    for (const instance of Object.values(recording.instances ?? {})) {
      const input = instance.body?.input as Record<string, unknown> | undefined;
      if (input !== undefined && input !== null && typeof input === 'object') {
        input.carried = LATENCY_DEPENDENT;
      }
    }
  }
  if (recording.scenario === 'rpcopy-cancel') {
    const withCalls = recording as { calls?: { functionName?: string; reply?: unknown }[] };
    for (const call of withCalls.calls ?? []) {
      if (call.functionName === 'cancelCopyHttp') {
        call.reply = withoutCleanup(call.reply);
      }
    }
  }
  if (recording.scenario === 'long-timers') {
    const episodes = recording.orchestrations?.sleeper;
    if (episodes) {
      recording.orchestrations!.sleeper = [episodes[0], LATENCY_DEPENDENT];
    }
    const body = recording.instances?.sleeper?.body;
    if (body) {
      body.historyEvents = LATENCY_DEPENDENT;
    }
  }
  return renumberedGuidTokens(blanked);
}

/**
 * `<guid-N>` tokens numbered again by first appearance in what is left. Ids that appeared only in a blanked
 * part (an extra progress read on the real engine) would otherwise shift the numbers of every later id; which
 * places share an id is kept exactly.
 */
function renumberedGuidTokens<T>(value: T): T {
  const tokens = new Map<string, string>();
  const text = JSON.stringify(value).replace(/<guid-\d+>/g, (token) => {
    let renumbered = tokens.get(token);
    if (renumbered === undefined) {
      renumbered = `<guid-${tokens.size + 1}>`;
      tokens.set(token, renumbered);
    }
    return renumbered;
  });
  return JSON.parse(text) as T;
}

/** The cancel answer's body (JSON text) with `cleanup` blanked, present or not. */
function withoutCleanup(reply: unknown): unknown {
  const body = (reply as { returnValue?: { http?: { body?: { bytesAsUtf8?: string } } } }).returnValue?.http
    ?.body;
  if (body?.bytesAsUtf8 === undefined) {
    return reply;
  }
  try {
    const parsed = JSON.parse(body.bytesAsUtf8) as Record<string, unknown>;
    body.bytesAsUtf8 = JSON.stringify({ ...parsed, cleanup: LATENCY_DEPENDENT });
  } catch {
    // Not JSON: compared as it is.
  }
  return reply;
}

function withoutHostExceptions<T>(value: T): T {
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) {
      return node.map(visit);
    }
    if (node === null || typeof node !== 'object') {
      return node;
    }
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(node)) {
      out[key] = key === 'Details' && typeof child === 'string' ? withoutHostException(child) : visit(child);
    }
    return out;
  };
  return visit(value) as T;
}
