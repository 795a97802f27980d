import type { ComputeGateway } from '../azure/computeGateway';
import type { EventPublisher } from '../azure/eventPublisher';
import type { EventGridConfig } from '../config';
import type { CollectionRef, RestorePointRef } from '../domain/armIds';
import {
  armIdsEqual,
  collectionOf,
  formatCollectionId,
  formatRestorePointId,
  parseCollectionId,
  parseRestorePointId,
} from '../domain/armIds';
import type {
  ActivityInput,
  ActivityName,
  ActivityResult,
  CheckCopyTurnInput,
  CheckCopyTurnResult,
  DeleteTargetRestorePointInput,
  DeleteTargetRestorePointResult,
  EnsureTargetCollectionInput,
  EnsureTargetCollectionResult,
  GetCopyProgressInput,
  GetCopyProgressResult,
  PublishCopyEventInput,
  PublishCopyEventResult,
  ResolveCopySourceInput,
  ResolveCopySourceResult,
  StartRestorePointCopyInput,
  StartRestorePointCopyResult,
} from '../domain/copyContracts';
import { copyError } from '../domain/copyDocument';
import { buildCopyEvent } from '../domain/copyEvents';
import type { LiveCopy } from '../domain/ordering';
import { decideTurn, evaluateOrdering } from '../domain/ordering';
import type { CopyPolicy } from '../domain/policy';
import { TARGETS_TAG, isSubscriptionAllowed } from '../domain/policy';
import { normalizeRegion } from '../domain/regions';
import { evaluateReplication } from '../domain/replication';
import type { RestorePointView } from '../domain/restorePoints';
import type { NamingTemplates } from '../domain/targetNaming';
import { targetNamesFor } from '../domain/targetNaming';
import { TransientAzureError } from '../errors';
import { listTargetCopies } from '../azure/targetCopies';
import { inspectSource } from '../services/inspectSource';
import { classifyAsTerminal, classifyAzureError } from './classifyAzureError';

/** How long a copy waits for the failed target of an earlier run to be deleted before asking again. */
const TARGET_BUSY_RECHECK_SECONDS = 60;

/** Tags that record a target collection's lineage (restore points themselves cannot carry tags). */
export const LINEAGE_TAGS = {
  managedBy: 'rpcopy-managed-by',
  sourceCollection: 'rpcopy-source-collection',
  sourceVm: 'rpcopy-source-vm',
} as const;

export interface ActivityLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface ActivityDeps {
  compute: ComputeGateway;
  events: EventPublisher;
  policy: CopyPolicy;
  naming: NamingTemplates;
  eventGrid: Pick<EventGridConfig, 'source' | 'endpoint'>;
  now: () => Date;
}

/** What an invocation supplies besides its input. */
export interface ActivityContext {
  log: ActivityLogger;
  /** Copies whose orchestrations are running or pending, read from their custom status. */
  listLiveCopies: () => Promise<LiveCopy[]>;
}

function parseRef(id: string): RestorePointRef | undefined {
  const parsed = parseRestorePointId(id);
  return parsed.ok ? parsed.value : undefined;
}

function parseCollection(id: string): CollectionRef | undefined {
  const parsed = parseCollectionId(id);
  return parsed.ok ? parsed.value : undefined;
}

function invalid(code: string, message: string): { kind: 'fail'; error: ReturnType<typeof copyError> } {
  return { kind: 'fail', error: copyError('invalid', code, message) };
}

/**
 * Builds the activities. Each starts work or reads state and returns what it saw as plain data; none waits on a
 * poller or sleeps. Transient failures are thrown (the orchestrator retries them); everything else is data.
 */
export function createActivities(deps: ActivityDeps): Activities {
  const { compute } = deps;

  async function resolveCopySource(input: ResolveCopySourceInput): Promise<ResolveCopySourceResult> {
    const parsed = parseRestorePointId(input.sourceRestorePointId);
    if (!parsed.ok) {
      return invalid('InvalidArmId', parsed.message);
    }
    const ref = parsed.value;
    if (!isSubscriptionAllowed(deps.policy, ref.subscriptionId)) {
      return {
        kind: 'fail',
        error: copyError(
          'permission',
          'SubscriptionNotAllowed',
          `Subscription ${ref.subscriptionId} is not in the allowed subscriptions.`,
        ),
      };
    }
    const targetRegion = normalizeRegion(input.targetRegion);
    if (targetRegion === undefined) {
      return invalid('UnknownRegion', `'${input.targetRegion}' is not a known Azure region.`);
    }
    try {
      const inspection = await inspectSource(compute, ref);
      if (inspection.kind === 'not-found') {
        return { kind: 'fail', error: copyError('not-found', 'SourceNotFound', inspection.message) };
      }
      if (inspection.kind === 'copy-of-copy') {
        return { kind: 'skip', reason: 'copy-of-copy', message: inspection.message };
      }
      const { restorePoint, collection, sourceRegion } = inspection;
      if (sourceRegion === targetRegion) {
        return invalid(
          'SameRegion',
          `The source is already in ${targetRegion}; a copy must go to another region.`,
        );
      }
      if (restorePoint.timeCreated === undefined) {
        return invalid(
          'MissingCreationTime',
          `Azure reported no creation time for ${formatRestorePointId(ref)}.`,
        );
      }
      const names = targetNamesFor(deps.naming, ref, sourceRegion, targetRegion);
      if (!names.ok) {
        return invalid('InvalidTargetName', names.message);
      }
      return {
        kind: 'resolved',
        source: {
          restorePointId: formatRestorePointId(ref),
          collectionId: formatCollectionId(collectionOf(ref)),
          region: sourceRegion,
          createdAt: restorePoint.timeCreated,
          ...(collection.sourceId === undefined ? {} : { vmId: collection.sourceId }),
        },
        targetCollectionId: names.value.collectionId,
        targetRestorePointId: names.value.restorePointId,
      };
    } catch (error) {
      return classifyAsTerminal(error);
    }
  }

  async function checkCopyTurn(
    input: CheckCopyTurnInput,
    context: ActivityContext,
  ): Promise<CheckCopyTurnResult> {
    const decision = decideTurn(
      {
        id: input.copyId,
        sourceCollectionId: input.sourceCollectionId,
        targetRegion: input.targetRegion,
        sourceCreatedAt: input.sourceCreatedAt,
        createdAt: input.createdAt,
        maxConcurrentCopies: input.maxConcurrentCopies,
      },
      await context.listLiveCopies(),
    );
    if (decision.kind === 'wait') {
      return decision;
    }
    const targetRef = parseCollection(input.targetCollectionId);
    const sourceCollectionRef = parseCollection(input.sourceCollectionId);
    if (targetRef === undefined || sourceCollectionRef === undefined) {
      return invalid(
        'InvalidArmId',
        `Invalid collection ids ${input.sourceCollectionId} / ${input.targetCollectionId}.`,
      );
    }
    try {
      const target = await listTargetCopies(
        compute,
        sourceCollectionRef,
        input.sourceCollectionId,
        targetRef,
      );
      if (target.kind === 'no-collection') {
        return { kind: 'go' };
      }
      if (target.kind === 'conflict') {
        return invalid(
          'TargetCollectionConflict',
          `Target collection ${input.targetCollectionId} copies ${target.copiesFrom ?? 'nothing'}, not ${input.sourceCollectionId}; check the naming templates.`,
        );
      }
      const existing = target.copies;
      if (existing.length === 0) {
        return { kind: 'go' };
      }
      const ordering = evaluateOrdering(
        { restorePointId: input.sourceRestorePointId, createdAt: input.sourceCreatedAt },
        existing,
      );
      if (ordering.kind === 'already-copied') {
        const earlierRef = parseRef(ordering.targetRestorePointId);
        const earlier =
          earlierRef === undefined
            ? undefined
            : await compute.getRestorePoint(earlierRef, { instanceView: true });
        if (earlierRef !== undefined && earlier !== undefined) {
          if ((await clearFailedTarget(earlierRef, earlier)) === 'clearing') {
            return {
              kind: 'wait',
              reason: 'target-deleting',
              retryAfterSeconds: TARGET_BUSY_RECHECK_SECONDS,
            };
          }
        }
        return ordering;
      }
      if (ordering.kind === 'out-of-order') {
        return {
          kind: 'skip',
          reason: 'ordering',
          message: `A newer restore point (${ordering.newerSourceRestorePointId}, created ${ordering.newerSourceCreatedAt}) is already copied to ${input.targetRegion}; Azure cannot copy an older one after it.`,
        };
      }
      // Only one copy per pair may be in flight; the newest existing copy is the only candidate.
      const newest = [...existing].sort((a, b) =>
        (b.sourceCreatedAt ?? '').localeCompare(a.sourceCreatedAt ?? ''),
      )[0];
      const newestRef = newest === undefined ? undefined : parseRef(newest.targetRestorePointId);
      if (newestRef !== undefined) {
        const view = await compute.getRestorePoint(newestRef, { instanceView: true });
        if (view !== undefined && evaluateReplication(view).state === 'inProgress') {
          return { kind: 'wait', reason: 'target-replicating' };
        }
      }
      return { kind: 'go' };
    } catch (error) {
      return classifyAsTerminal(error);
    }
  }

  async function ensureTargetCollection(
    input: EnsureTargetCollectionInput,
  ): Promise<EnsureTargetCollectionResult> {
    const targetRef = parseCollection(input.targetCollectionId);
    if (targetRef === undefined) {
      return invalid('InvalidArmId', `Invalid target collection id ${input.targetCollectionId}.`);
    }
    try {
      const existing = await compute.getRestorePointCollection(targetRef);
      if (existing !== undefined) {
        if (existing.sourceId !== undefined && armIdsEqual(existing.sourceId, input.sourceCollectionId)) {
          return { kind: 'ready', created: false };
        }
        return invalid(
          'TargetCollectionConflict',
          `Target collection ${input.targetCollectionId} already exists and copies ${existing.sourceId ?? 'nothing'}, not ${input.sourceCollectionId}; check the naming templates.`,
        );
      }
      const result = await compute.createOrUpdateRestorePointCollection(targetRef, {
        location: input.targetRegion,
        sourceId: input.sourceCollectionId,
        tags: {
          [LINEAGE_TAGS.managedBy]: 'rpcopy',
          [LINEAGE_TAGS.sourceCollection]: input.sourceCollectionId,
          ...(input.sourceVmId === undefined ? {} : { [LINEAGE_TAGS.sourceVm]: input.sourceVmId }),
          // A target is never a source: keeps the policy from ever picking it up.
          [TARGETS_TAG]: 'none',
        },
      });
      return { kind: 'ready', created: result.created };
    } catch (error) {
      return classifyAsTerminal(error);
    }
  }

  /**
   * A copy restarted after a failure finds the failed target of its earlier run. Azure allows one copy of a
   * source per region, so that target must be gone before copying again: this starts its deletion (once) and
   * says so; a healthy target is left alone.
   */
  async function clearFailedTarget(
    ref: RestorePointRef,
    view: RestorePointView,
  ): Promise<'clearing' | 'healthy'> {
    const provisioning = view.provisioningState ?? '';
    if (/^deleting$/i.test(provisioning)) {
      return 'clearing';
    }
    if (/^failed$/i.test(provisioning) || evaluateReplication(view).state === 'failed') {
      await compute.beginDeleteRestorePoint(ref);
      return 'clearing';
    }
    return 'healthy';
  }

  async function startRestorePointCopy(
    input: StartRestorePointCopyInput,
  ): Promise<StartRestorePointCopyResult> {
    const target = parseRef(input.targetRestorePointId);
    if (target === undefined) {
      return invalid('InvalidArmId', `Invalid target restore point id ${input.targetRestorePointId}.`);
    }
    try {
      await compute.beginCopyRestorePoint(target, input.sourceRestorePointId);
      return { kind: 'started' };
    } catch (error) {
      const failure = classifyAzureError(error);
      if (failure.kind !== 'conflict') {
        return failure.kind === 'not-found' ? { kind: 'fail', error: failure.error } : failure;
      }
      // A retried PUT finds its own earlier success: the restore point exists and copies this source. A copy
      // restarted after a failure may instead find the failed target of the earlier run, still being deleted
      // (or never deleted): Azure allows one copy per region, so it must be gone before copying again.
      try {
        const existing = await compute.getRestorePoint(target, { instanceView: true });
        if (
          existing?.sourceRestorePointId !== undefined &&
          armIdsEqual(existing.sourceRestorePointId, input.sourceRestorePointId)
        ) {
          return (await clearFailedTarget(target, existing)) === 'clearing'
            ? { kind: 'target-busy', retryAfterSeconds: TARGET_BUSY_RECHECK_SECONDS }
            : { kind: 'already-exists' };
        }
      } catch (lookupError) {
        const lookup = classifyAsTerminal(lookupError);
        if (lookup.kind === 'throttled') {
          return lookup;
        }
      }
      return { kind: 'refused', error: failure.error };
    }
  }

  async function getCopyProgress(input: GetCopyProgressInput): Promise<GetCopyProgressResult> {
    const target = parseRef(input.targetRestorePointId);
    if (target === undefined) {
      return invalid('InvalidArmId', `Invalid target restore point id ${input.targetRestorePointId}.`);
    }
    try {
      const view = await compute.getRestorePoint(target, { instanceView: true });
      return view === undefined ? { kind: 'not-found' } : { kind: 'found', restorePoint: view };
    } catch (error) {
      return classifyAsTerminal(error);
    }
  }

  async function deleteTargetRestorePoint(
    input: DeleteTargetRestorePointInput,
  ): Promise<DeleteTargetRestorePointResult> {
    const target = parseRef(input.targetRestorePointId);
    if (target === undefined) {
      return invalid('InvalidArmId', `Invalid target restore point id ${input.targetRestorePointId}.`);
    }
    try {
      return (await compute.beginDeleteRestorePoint(target)) === 'accepted'
        ? { kind: 'deleted' }
        : { kind: 'not-found' };
    } catch (error) {
      const failure = classifyAsTerminal(error);
      if (failure.kind === 'throttled') {
        // Deleting is best effort and short: let the activity retry policy space the attempts.
        throw new TransientAzureError(
          `Throttled while deleting ${input.targetRestorePointId}; retry after ${failure.retryAfterSeconds}s.`,
          { cause: error },
        );
      }
      return failure;
    }
  }

  async function publishCopyEvent(
    input: PublishCopyEventInput,
    context: ActivityContext,
  ): Promise<PublishCopyEventResult> {
    // The event time is when the copy changed state (from the orchestration's clock), so a redelivered or
    // republished event is identical.
    const time =
      input.type === 'RestorePointCopy.Started'
        ? (input.document.startedAt ?? deps.now().toISOString())
        : (input.document.completedAt ?? deps.now().toISOString());
    const event = buildCopyEvent(input.type, input.document, deps.eventGrid.source, time);
    const published = await deps.events.publishCopyEvent(event);
    if (!published) {
      context.log.warn(`No Event Grid topic configured; not published: ${event.type} ${event.id}`);
    }
    return { published };
  }

  return {
    resolveCopySource,
    checkCopyTurn,
    ensureTargetCollection,
    startRestorePointCopy,
    getCopyProgress,
    deleteTargetRestorePoint,
    publishCopyEvent,
  };
}

/** One handler per entry of `CopyActivityContracts`, with exactly its input and result. */
export type Activities = {
  [N in ActivityName]: (input: ActivityInput<N>, context: ActivityContext) => Promise<ActivityResult<N>>;
};
