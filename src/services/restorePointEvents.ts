import type { ComputeGateway } from '../azure/computeGateway';
import type { AppConfig } from '../config';
import { collectionOf, parseRestorePointId } from '../domain/armIds';
import { parseArmEvent } from '../domain/armEvents';
import { isSubscriptionAllowed, resolveTargetRegions } from '../domain/policy';
import { AzureRequestError } from '../errors';
import { inspectSource } from './inspectSource';
import type { StartCopyClient } from './startCopies';
import { startCopy } from './startCopies';
import type { Logger } from '../logger';

export type EventLogger = Logger;

export type EventOutcome =
  | {
      kind: 'malformed' | 'ignored' | 'not-allowed' | 'not-found' | 'copy-of-copy' | 'no-targets';
      detail: string;
    }
  | { kind: 'handled'; started: string[]; alreadyHandled: string[] };

/**
 * Acts on one Azure Resource Manager event: a new source restore point starts one copy per policy region.
 *
 * @remarks Never throws for a bad or irrelevant event (Event Grid would redeliver it for a day). It throws only
 * when Azure or the durable store failed transiently, so that Event Grid delivers the event again.
 */
export interface EventDeps {
  client: StartCopyClient;
  config: Pick<AppConfig, 'policy' | 'copy'>;
  compute: Pick<ComputeGateway, 'getRestorePoint' | 'getRestorePointCollection'>;
  log: EventLogger;
  now: Date;
}

export async function handleArmEvent(event: unknown, deps: EventDeps): Promise<EventOutcome> {
  const { config, compute, client, log, now } = deps;
  const parsed = parseArmEvent(event);
  if (parsed.kind === 'malformed') {
    log.warn(`Dropped a malformed event: ${parsed.reason}`);
    return { kind: 'malformed', detail: parsed.reason };
  }
  if (parsed.kind === 'ignored') {
    log.debug(`Ignored event: ${parsed.reason}`);
    return { kind: 'ignored', detail: parsed.reason };
  }
  const ref = parseRestorePointId(parsed.restorePointId);
  if (!ref.ok) {
    log.warn(`Dropped an event with a bad restore point id: ${ref.message}`);
    return { kind: 'malformed', detail: ref.message };
  }
  const source = ref.value;
  if (!isSubscriptionAllowed(config.policy, source.subscriptionId)) {
    log.info(`Ignored ${parsed.restorePointId}: subscription ${source.subscriptionId} is not allowed`);
    return { kind: 'not-allowed', detail: source.subscriptionId };
  }
  let inspection;
  try {
    inspection = await inspectSource(compute, source);
  } catch (error) {
    if (error instanceof AzureRequestError && (error.statusCode === 401 || error.statusCode === 403)) {
      log.error(`Cannot read ${parsed.restorePointId}: ${error.message}`);
      return { kind: 'not-allowed', detail: error.message };
    }
    throw error;
  }
  if (inspection.kind === 'not-found') {
    log.info(`Ignored ${parsed.restorePointId}: ${inspection.message}`);
    return { kind: 'not-found', detail: inspection.message };
  }
  if (inspection.kind === 'copy-of-copy') {
    // Includes rpcopy's own copy PUTs, which raise the same write event: never a loop.
    log.info(`Ignored copy-of-copy: ${inspection.message}`);
    return { kind: 'copy-of-copy', detail: inspection.message };
  }
  const decision = resolveTargetRegions(config.policy, {
    ref: collectionOf(source),
    location: inspection.collection.location,
    tags: inspection.collection.tags,
  });
  if (decision.kind !== 'copy' || decision.regions.length === 0) {
    const detail = decision.kind === 'invalid-tag' ? decision.message : decision.kind;
    if (decision.kind === 'invalid-tag') {
      log.warn(`No copy for ${parsed.restorePointId}: ${detail}`);
    } else {
      log.debug(`No copy for ${parsed.restorePointId}: ${detail}`);
    }
    return { kind: 'no-targets', detail };
  }
  const started: string[] = [];
  const alreadyHandled: string[] = [];
  for (const region of decision.regions) {
    const result = await startCopy(client, config, {
      source,
      targetRegion: region,
      requestedBy: 'event-grid',
      restartEnded: false,
      now,
    });
    (result.started ? started : alreadyHandled).push(result.document.id);
  }
  log.info(
    `Restore point ${parsed.restorePointId}: started ${started.join(', ') || 'nothing'}; already handled ${alreadyHandled.join(', ') || 'nothing'}`,
  );
  return { kind: 'handled', started, alreadyHandled };
}
