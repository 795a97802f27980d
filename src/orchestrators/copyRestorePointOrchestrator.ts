import * as df from 'durable-functions';
import type { OrchestrationContext, Task } from 'durable-functions';

import type {
  CarriedState,
  CheckCopyTurnResult,
  ResolvedSource,
  CopyOrchestrationInput,
  DeleteTargetRestorePointResult,
  EnsureTargetCollectionResult,
  GetCopyProgressResult,
  PublishCopyEventResult,
  ResolveCopySourceResult,
  StartRestorePointCopyResult,
} from '../domain/copyContracts';
import { ActivityNames, CANCEL_EVENT } from '../domain/copyContracts';
import type { CopyDocument, CopyError, CopyStatus, SkipReason } from '../domain/copyDocument';
import { copyError, createCopyDocument } from '../domain/copyDocument';
import type { CopyEventType } from '../domain/copyEvents';
import { terminalEventType } from '../domain/copyEvents';
import {
  estimateCompletion,
  initialPollState,
  MAX_TIMER_SECONDS,
  isStalled,
  nextPollDelaySeconds,
  recordProgress,
  withDelay,
} from '../domain/polling';
import type { PublishStalledInput, RetainAfterCopyInput } from '../domain/protectionContracts';
import { ProtectionActivityNames } from '../domain/protectionContracts';
import { evaluateReplication } from '../domain/replication';
import { detectStall } from '../domain/stall';

/** Consecutive transient failures (after the activity's own retries) before a copy gives up. */
const MAX_TRANSIENT_FAILURES = 3;
/** Azure refusals of the copy PUT that the turn check could not explain, before the copy fails. */
const MAX_REFUSALS = 3;

type Call<T> = { ok: true; value: T } | { ok: false; message: string };

interface Outcome {
  status: Extract<CopyStatus, 'Succeeded' | 'Failed' | 'TimedOut' | 'Canceled' | 'Skipped'>;
  reason?: SkipReason;
  error?: CopyError;
  /** Whether a target restore point was created and must be removed (failed, timed out, canceled). */
  deleteTarget?: boolean;
}

/**
 * Copies one source restore point into one region: resolve the source, wait for its turn, create the target
 * collection, start the copy, poll replication, publish the outcome.
 *
 * @remarks Deterministic: time from `currentUtcDateTime`, waits on durable timers only, every side effect in an
 * activity. The custom status is the live copy document. Each wait races the `cancel` event. Long phases
 * (queued, throttled, replicating) continue as new every `pollsPerGeneration` rounds so that the history of a
 * 14-day copy stays small; a cancel that arrived meanwhile is consumed before that, so it is never lost.
 */
export function* copyRestorePointOrchestrator(
  context: OrchestrationContext,
): Generator<Task, CopyDocument, unknown> {
  const input = context.df.getInput<CopyOrchestrationInput>();
  const settings = input.settings;
  const retry = new df.RetryOptions(
    settings.activityRetry.firstRetryIntervalSeconds * 1000,
    settings.activityRetry.maxNumberOfAttempts,
  );
  retry.backoffCoefficient = settings.activityRetry.backoffCoefficient;

  const state: CarriedState = input.carried ?? {
    phase: 'resolve',
    document: createCopyDocument({
      id: input.copyId,
      sourceRestorePointId: input.sourceRestorePointId,
      sourceCollectionId: input.sourceCollectionId,
      targetRegion: input.targetRegion,
      requestedBy: input.requestedBy,
      // The orchestration's own clock, not the trigger's: deadlines and queue order compare against it.
      createdAt: context.df.currentUtcDateTime.toISOString(),
      ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
    }),
    startedEventPublished: false,
    generation: 0,
  };
  let doc = state.document;

  const nowIso = (): string => context.df.currentUtcDateTime.toISOString();
  const plusSeconds = (seconds: number): Date =>
    new Date(context.df.currentUtcDateTime.getTime() + seconds * 1000);
  const log = (level: 'info' | 'warn' | 'error', message: string): void => {
    if (!context.df.isReplaying) {
      context[level](`[${input.copyId}] ${message}`);
    }
  };
  const update = (patch: Partial<CopyDocument>): void => {
    doc = { ...doc, ...patch };
    context.df.setCustomStatus(doc);
  };

  function* call<T>(name: string, activityInput: unknown): Generator<Task, Call<T>, unknown> {
    try {
      const value = (yield context.df.callActivityWithRetry(name, retry, activityInput)) as T;
      return { ok: true, value };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      log('warn', `${name} failed after retries: ${message}`);
      return { ok: false, message };
    }
  }

  /**
   * Waits on durable timers unless a cancel arrives first; true when canceled. A long wait (a `Retry-After`
   * of days) is honoured in full as a chain of timers, each under {@link MAX_TIMER_SECONDS}: longer timers
   * are refused or split differently by the storage providers.
   */
  function* waitCanceled(seconds: number): Generator<Task, boolean, unknown> {
    const until = plusSeconds(Math.max(0, seconds));
    do {
      const remaining = (until.getTime() - context.df.currentUtcDateTime.getTime()) / 1000;
      const timer = context.df.createTimer(plusSeconds(Math.max(0, Math.min(remaining, MAX_TIMER_SECONDS))));
      const cancel = context.df.waitForExternalEvent(CANCEL_EVENT);
      const winner: unknown = yield context.df.Task.any([timer, cancel]);
      if (winner === cancel) {
        timer.cancel();
        return true;
      }
    } while (context.df.currentUtcDateTime.getTime() < until.getTime());
    return false;
  }

  /** Azure accepted the copy (now or in an earlier attempt): from here on, replication is polled. */
  function startPolling(targetRestorePointId?: string): void {
    state.phase = 'poll';
    state.deadline = plusSeconds(settings.copyTimeoutSeconds).toISOString();
    update({
      status: 'Replicating',
      ...(targetRestorePointId === undefined ? {} : { targetRestorePointId }),
      startedAt: nowIso(),
    });
  }

  /** Asks whether this copy may go now (ordering per collection and region, the concurrency cap). */
  function* checkTurn(
    source: ResolvedSource,
    targetCollectionId: string,
  ): Generator<Task, Call<CheckCopyTurnResult>, unknown> {
    return yield* call<CheckCopyTurnResult>(ActivityNames.checkCopyTurn, {
      copyId: input.copyId,
      sourceRestorePointId: source.restorePointId,
      sourceCollectionId: source.collectionId,
      sourceCreatedAt: source.createdAt,
      targetRegion: input.targetRegion,
      targetCollectionId,
      createdAt: doc.createdAt,
      maxConcurrentCopies: settings.maxConcurrentCopies,
    });
  }

  function* skipOutOfOrder(message: string): Generator<Task, CopyDocument, unknown> {
    return yield* finish({
      status: 'Skipped',
      reason: 'ordering',
      error: copyError('ordering', 'OutOfOrder', message),
    });
  }

  function* publish(type: CopyEventType): Generator<Task, void, unknown> {
    const result = yield* call<PublishCopyEventResult>(ActivityNames.publishCopyEvent, {
      type,
      document: doc,
    });
    if (!result.ok) {
      log('error', `could not publish ${type}: ${result.message}`);
    }
  }

  function* finish(outcome: Outcome): Generator<Task, CopyDocument, unknown> {
    let error = outcome.error;
    if (outcome.deleteTarget === true && doc.targetRestorePointId !== null) {
      const deleted = yield* call<DeleteTargetRestorePointResult>(ActivityNames.deleteTargetRestorePoint, {
        targetRestorePointId: doc.targetRestorePointId,
      });
      const problem = !deleted.ok
        ? deleted.message
        : deleted.value.kind === 'fail'
          ? deleted.value.error.message
          : undefined;
      if (problem !== undefined) {
        log('warn', `target ${doc.targetRestorePointId} was not deleted: ${problem}`);
        if (error !== undefined) {
          error = {
            ...error,
            message: `${error.message} The target restore point could not be deleted: ${problem}`,
          };
        }
      }
    }
    update({
      status: outcome.status,
      completedAt: nowIso(),
      ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
      ...(error === undefined ? {} : { error }),
      progress: { ...doc.progress, etaSeconds: null },
    });
    log(
      outcome.status === 'Succeeded' ? 'info' : 'warn',
      `ended ${outcome.status}${error ? `: ${error.message}` : ''}`,
    );
    const type = terminalEventType(outcome.status);
    if (type !== undefined) {
      yield* publish(type);
    }
    return doc;
  }

  /** Hands the state to a fresh generation, unless a cancel is already waiting. */
  function* continueAsNew(): Generator<Task, CopyDocument | undefined, unknown> {
    if (yield* waitCanceled(0)) {
      return yield* finish({ status: 'Canceled', deleteTarget: state.phase === 'poll' });
    }
    context.df.continueAsNew({
      ...input,
      carried: { ...state, document: doc, generation: state.generation + 1 },
    } satisfies CopyOrchestrationInput);
    return undefined;
  }

  const unavailable = (message: string): Outcome => ({
    status: 'Failed',
    error: copyError('platform-failure', 'AzureUnavailable', `Azure kept failing: ${message}`),
  });

  context.df.setCustomStatus(doc);
  let rounds = 0;
  let transientFailures = 0;
  let refusals = 0;
  /** Whether the last wait before the copy started was for copy throttling. */
  let throttledLast = false;

  while (true) {
    if (state.phase === 'resolve') {
      const resolved = yield* call<ResolveCopySourceResult>(ActivityNames.resolveCopySource, {
        copyId: input.copyId,
        sourceRestorePointId: input.sourceRestorePointId,
        targetRegion: input.targetRegion,
      });
      if (!resolved.ok) {
        if (++transientFailures >= MAX_TRANSIENT_FAILURES) {
          return yield* finish(unavailable(resolved.message));
        }
        if (yield* waitCanceled(settings.queueRecheckSeconds)) {
          return yield* finish({ status: 'Canceled' });
        }
        continue;
      }
      const result = resolved.value;
      switch (result.kind) {
        case 'throttled':
          if (yield* waitCanceled(result.retryAfterSeconds)) {
            return yield* finish({ status: 'Canceled' });
          }
          continue;
        case 'skip':
          return yield* finish({
            status: 'Skipped',
            reason: 'copy-of-copy',
            error: copyError('copy-of-copy', 'CopyOfCopy', result.message),
          });
        case 'fail':
          return yield* finish({ status: 'Failed', error: result.error });
        case 'resolved':
          transientFailures = 0;
          state.source = result.source;
          state.phase = 'queue';
          update({
            sourceRegion: result.source.region,
            sourceCreatedAt: result.source.createdAt,
            sourceCollectionId: result.source.collectionId,
            targetCollectionId: result.targetCollectionId,
            targetRestorePointId: result.targetRestorePointId,
          });
          continue;
      }
    }

    const source = state.source;
    if (source === undefined || doc.targetCollectionId === null || doc.targetRestorePointId === null) {
      return yield* finish({
        status: 'Failed',
        error: copyError('internal', 'MissingState', 'The orchestration lost track of its source or target.'),
      });
    }

    // Before Azure accepts the copy, the deadline runs from the request: a copy can wait its turn (or out
    // throttling) only so long.
    const startDeadline = Date.parse(doc.createdAt) + settings.copyTimeoutSeconds * 1000;
    if (state.phase !== 'poll' && context.df.currentUtcDateTime.getTime() >= startDeadline) {
      return yield* finish({
        status: 'TimedOut',
        error: throttledLast
          ? copyError(
              'throttled',
              'ThrottledTooLong',
              'Azure kept throttling the copy request until the deadline.',
            )
          : copyError('timeout', 'QueuedTooLong', 'The copy never got its turn before the deadline.'),
      });
    }

    if (state.phase === 'queue') {
      const turn = yield* checkTurn(source, doc.targetCollectionId);
      let waitSeconds = settings.queueRecheckSeconds;
      if (!turn.ok) {
        if (++transientFailures >= MAX_TRANSIENT_FAILURES) {
          return yield* finish(unavailable(turn.message));
        }
      } else {
        transientFailures = 0;
        const result = turn.value;
        switch (result.kind) {
          case 'go':
            state.phase = 'start';
            continue;
          case 'already-copied':
            // An earlier attempt's copy exists: watch it instead of starting another.
            startPolling(result.targetRestorePointId);
            continue;
          case 'skip':
            return yield* skipOutOfOrder(result.message);
          case 'fail':
            return yield* finish({ status: 'Failed', error: result.error });
          case 'throttled':
            waitSeconds = Math.max(waitSeconds, result.retryAfterSeconds);
            break;
          case 'wait':
            throttledLast = false;
            waitSeconds = Math.max(waitSeconds, result.retryAfterSeconds ?? 0);
            if (doc.status !== 'Queued') {
              update({ status: 'Queued' });
            }
            break;
        }
      }
      if (yield* waitCanceled(waitSeconds)) {
        return yield* finish({ status: 'Canceled' });
      }
      if (++rounds >= settings.pollsPerGeneration) {
        return (yield* continueAsNew()) ?? doc;
      }
      continue;
    }

    if (state.phase === 'start') {
      if (doc.status !== 'Starting') {
        update({ status: 'Starting' });
      }
      const ensured = yield* call<EnsureTargetCollectionResult>(ActivityNames.ensureTargetCollection, {
        sourceCollectionId: source.collectionId,
        ...(source.vmId === undefined ? {} : { sourceVmId: source.vmId }),
        targetCollectionId: doc.targetCollectionId,
        targetRegion: input.targetRegion,
      });
      let waitSeconds: number | undefined;
      if (!ensured.ok) {
        if (++transientFailures >= MAX_TRANSIENT_FAILURES) {
          return yield* finish(unavailable(ensured.message));
        }
        waitSeconds = settings.queueRecheckSeconds;
      } else if (ensured.value.kind === 'fail') {
        return yield* finish({ status: 'Failed', error: ensured.value.error });
      } else if (ensured.value.kind === 'throttled') {
        waitSeconds = ensured.value.retryAfterSeconds;
      } else {
        const started = yield* call<StartRestorePointCopyResult>(ActivityNames.startRestorePointCopy, {
          sourceRestorePointId: source.restorePointId,
          targetRestorePointId: doc.targetRestorePointId,
        });
        if (!started.ok) {
          if (++transientFailures >= MAX_TRANSIENT_FAILURES) {
            return yield* finish(unavailable(started.message));
          }
          waitSeconds = settings.queueRecheckSeconds;
        } else {
          const result = started.value;
          switch (result.kind) {
            case 'started':
            case 'already-exists':
              transientFailures = 0;
              startPolling();
              continue;
            case 'throttled':
              log('info', `copy request throttled; retrying in ${result.retryAfterSeconds}s`);
              throttledLast = true;
              waitSeconds = result.retryAfterSeconds;
              break;
            case 'target-busy':
              log(
                'info',
                `the failed target of an earlier run is being deleted; retrying in ${result.retryAfterSeconds}s`,
              );
              waitSeconds = result.retryAfterSeconds;
              break;
            case 'fail':
              return yield* finish({ status: 'Failed', error: result.error });
            case 'refused': {
              // Azure does not say why; the turn check tells ordering and a copy in flight apart.
              const turn = yield* checkTurn(source, doc.targetCollectionId);
              if (turn.ok && turn.value.kind === 'skip') {
                return yield* skipOutOfOrder(turn.value.message);
              }
              if (turn.ok && turn.value.kind === 'already-copied') {
                startPolling(turn.value.targetRestorePointId);
                continue;
              }
              if (++refusals >= MAX_REFUSALS) {
                return yield* finish({ status: 'Failed', error: result.error });
              }
              log('warn', `copy refused (${result.error.code}); back to the queue`);
              state.phase = 'queue';
              update({ status: 'Queued' });
              waitSeconds = settings.queueRecheckSeconds;
              break;
            }
          }
        }
      }
      if (waitSeconds !== undefined && (yield* waitCanceled(waitSeconds))) {
        return yield* finish({ status: 'Canceled' });
      }
      if (++rounds >= settings.pollsPerGeneration) {
        return (yield* continueAsNew()) ?? doc;
      }
      continue;
    }

    // state.phase === 'poll'
    if (!state.startedEventPublished) {
      state.startedEventPublished = true;
      yield* publish('RestorePointCopy.Started');
    }
    const deadline = state.deadline ?? plusSeconds(settings.copyTimeoutSeconds).toISOString();
    state.deadline = deadline;
    let poll = state.poll ?? initialPollState();
    let retryAfterSeconds: number | undefined;
    let lastUnknownCodes = '';
    while (true) {
      const delay = nextPollDelaySeconds({
        state: poll,
        now: nowIso(),
        startedAt: doc.startedAt ?? nowIso(),
        deadline,
        settings: settings.polling,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
      });
      retryAfterSeconds = undefined;
      poll = withDelay(poll, delay);
      state.poll = poll;
      if (yield* waitCanceled(delay)) {
        return yield* finish({ status: 'Canceled', deleteTarget: true });
      }
      const pastDeadline = context.df.currentUtcDateTime.getTime() >= Date.parse(deadline);
      const timedOut: Outcome = {
        status: 'TimedOut',
        deleteTarget: true,
        error: copyError(
          'timeout',
          'CopyTimedOut',
          `Replication did not finish within ${Math.round(settings.copyTimeoutSeconds / 3600)} hours of the copy request.`,
        ),
      };
      const progress = yield* call<GetCopyProgressResult>(ActivityNames.getCopyProgress, {
        targetRestorePointId: doc.targetRestorePointId,
      });
      if (!progress.ok) {
        // A long copy survives an Azure hiccup: look again later; the deadline still applies.
        if (pastDeadline) {
          return yield* finish(timedOut);
        }
      } else {
        const result = progress.value;
        switch (result.kind) {
          case 'not-found':
            return yield* finish({
              status: 'Failed',
              error: copyError(
                'not-found',
                'TargetNotFound',
                `The target restore point ${doc.targetRestorePointId} disappeared while replicating.`,
              ),
            });
          case 'fail':
            return yield* finish({ status: 'Failed', error: result.error, deleteTarget: true });
          case 'throttled':
            retryAfterSeconds = result.retryAfterSeconds;
            if (pastDeadline) {
              return yield* finish(timedOut);
            }
            break;
          case 'found': {
            const verdict = evaluateReplication(result.restorePoint);
            const unknownCodes = verdict.unknownCodes.join(', ');
            if (unknownCodes !== '' && unknownCodes !== lastUnknownCodes) {
              // Read as "in progress", never as success; logged verbatim once per change.
              log('warn', `undocumented replication status codes: ${unknownCodes}`);
            }
            lastUnknownCodes = unknownCodes;
            poll = recordProgress(poll, { at: nowIso(), percent: verdict.percent });
            state.poll = poll;
            const previousDisks = doc.progress.disks;
            const eta = estimateCompletion(poll);
            update({
              progress: {
                percent: verdict.percent,
                etaSeconds:
                  verdict.state === 'inProgress' && eta !== undefined
                    ? Math.max(
                        0,
                        Math.round((Date.parse(eta) - context.df.currentUtcDateTime.getTime()) / 1000),
                      )
                    : null,
                stalled: verdict.state === 'inProgress' && isStalled(poll, settings.polling),
                disks: verdict.disks,
              },
            });
            const stall = detectStall({
              document: doc,
              previousDisks,
              poll,
              settings: settings.polling,
              now: nowIso(),
              announcedPercent: state.stallAnnouncedPercent,
            });
            if (stall !== undefined) {
              state.stallAnnouncedPercent = stall.percent;
              yield* call(ProtectionActivityNames.publishStalled, {
                data: stall,
                time: nowIso(),
              } satisfies PublishStalledInput);
            }
            if (verdict.state === 'succeeded') {
              update({
                usable: true,
                ...(verdict.customerManagedKeyNote === undefined
                  ? {}
                  : { note: verdict.customerManagedKeyNote }),
              });
              const succeeded = yield* finish({ status: 'Succeeded' });
              // Retention runs after every usable copy; its own failure never changes the copy's outcome.
              yield* call(ProtectionActivityNames.retainAfterCopy, {
                sourceCollectionId: source.collectionId,
                targetRegion: input.targetRegion,
              } satisfies RetainAfterCopyInput);
              return succeeded;
            }
            if (verdict.state === 'failed') {
              return yield* finish({
                status: 'Failed',
                deleteTarget: true,
                error: copyError(
                  'platform-failure',
                  verdict.failure?.code ?? 'ReplicationFailed',
                  `Azure reported the copy failed (${verdict.failure?.message ?? 'no detail'}). A failed copy cannot be resumed.`,
                ),
              });
            }
            if (pastDeadline) {
              return yield* finish(timedOut);
            }
            break;
          }
        }
      }
      if (++rounds >= settings.pollsPerGeneration) {
        return (yield* continueAsNew()) ?? doc;
      }
    }
  }
}
