import type { InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { DurableClient } from 'durable-functions';

import type { Runtime } from '../compositionRoot';
import { gatewayWithBoundedRetries } from '../azure/boundedRetries';
import { readCopy } from '../azure/copyStatusStore';
import { getRuntime } from '../compositionRoot';
import { readProtectionSchedule } from '../config';
import type {
  PublishStalledInput,
  PublishStalledResult,
  RetainAfterCopyInput,
  RetainAfterCopyResult,
} from '../domain/protectionContracts';
import { ProtectionActivityNames } from '../domain/protectionContracts';
import { stalledEvent } from '../domain/protectionEvents';
import { answeringErrors } from '../http/httpErrors';
import { getProtectionHandler, listProtectionHandler } from '../http/protectionApi';
import type { SweepDeps } from '../services/protectionSweep';
import { retainAfterCopy, sweepProtection } from '../services/protectionSweep';

function sweepDeps(runtime: Runtime, client: DurableClient, compute = runtime.compute): SweepDeps {
  const { config } = runtime;
  return {
    compute,
    copies: { getCopy: (id) => readCopy(client, id) },
    policy: config.policy,
    naming: config.naming,
    protection: config.protection,
    events: runtime.events,
    eventSource: config.eventGrid.source,
    now: () => compute.serverNow?.() ?? new Date(),
  };
}

type Handler = typeof listProtectionHandler;

const route = (handler: Handler) =>
  answeringErrors((request, client, context) => {
    const runtime = getRuntime();
    // A caller waits on this answer: a dropped connection or a brief ARM error is retried here, not answered 502.
    return handler(request, sweepDeps(runtime, client, gatewayWithBoundedRetries(runtime.compute)), context);
  });

df.app.client.http('listProtectionHttp', {
  route: 'protection',
  methods: ['GET'],
  authLevel: 'function',
  handler: route(listProtectionHandler),
});

df.app.client.http('getProtectionHttp', {
  route: 'protection/{pair}',
  methods: ['GET'],
  authLevel: 'function',
  handler: route(getProtectionHandler),
});

/** Announces RPO breaches and their end, and applies retention on a schedule. */
df.app.client.timer('protectionSweepTimer', {
  schedule: readProtectionSchedule(),
  handler: async (_timer, client, context) => {
    const runtime = getRuntime();
    await sweepProtection(sweepDeps(runtime, client), runtime.config.protection.retentionDryRun, context);
  },
});

const durableClient = df.input.durableClient();

df.app.activity(ProtectionActivityNames.retainAfterCopy, {
  extraInputs: [durableClient],
  handler: async (
    input: RetainAfterCopyInput,
    context: InvocationContext,
  ): Promise<RetainAfterCopyResult> => {
    const runtime = getRuntime();
    const outcome = await retainAfterCopy(
      sweepDeps(runtime, df.getClient(context)),
      runtime.config.protection.retentionDryRun,
      input.sourceCollectionId,
      input.targetRegion,
      context,
    );
    return { pruned: outcome?.pruned ?? [], kept: outcome?.kept ?? [] };
  },
});

df.app.activity(ProtectionActivityNames.publishStalled, {
  handler: async (input: PublishStalledInput, context: InvocationContext): Promise<PublishStalledResult> => {
    const runtime = getRuntime();
    const event = stalledEvent(input.data, runtime.config.eventGrid.source, input.time);
    const published = await runtime.events.publishCopyEvent(event);
    if (!published) {
      context.warn(`No Event Grid topic configured; not published: ${event.type} ${event.id}`);
    }
    return { published };
  },
});
