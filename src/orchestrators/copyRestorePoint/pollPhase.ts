import type { Task } from 'durable-functions';

import type { RestorePointView } from '../../domain/restorePoints';
import { copyError } from '../../domain/copyDocument';
import type { CarriedState, Outcome, PollPhase } from '../../domain/copyState';
import {
  estimateCompletion,
  isStalled,
  nextPollDelaySeconds,
  recordProgress,
  withDelay,
} from '../../domain/polling';
import { evaluateReplication } from '../../domain/replication';
import { detectStall } from '../../domain/stall';
import { afterAnswer, afterFailedAttempt, afterProgress } from './decisions';
import type { CopyRun } from './run';
import { finishWith } from './transitions';

/**
 * Watches replication: announces the start once, then reads progress on the polling schedule until the copy
 * succeeds, fails or times out. A read that keeps failing only delays the next one: the deadline still applies.
 */
export function* pollStep(run: CopyRun, state: PollPhase): Generator<Task, CarriedState, unknown> {
  if (!state.startedEventPublished) {
    return yield* publishStarted(run, state);
  }
  const pastDeadline = run.nowMs() >= Date.parse(state.deadline);
  const progress = yield* run.call('getCopyProgress', { targetRestorePointId: state.target.restorePointId });
  if (!progress.ok) {
    const next = afterFailedAttempt(state.counters, run.settings.activityRetry);
    if (next.kind === 'retry') {
      return { ...state, counters: next.counters, wakeAt: run.inSeconds(next.delaySeconds) };
    }
    const failed = { ...state, counters: next.counters };
    return pastDeadline ? finishWith(run, failed, timedOut(run)) : scheduleNextPoll(run, failed);
  }
  const answered = { ...state, counters: afterAnswer(state.counters) };
  const result = progress.value;
  switch (result.kind) {
    case 'not-found':
      return finishWith(run, answered, {
        status: 'Failed',
        error: copyError(
          'not-found',
          'TargetNotFound',
          `The target restore point ${state.target.restorePointId} disappeared while replicating.`,
        ),
      });
    case 'fail':
      return finishWith(run, answered, { status: 'Failed', error: result.error, deleteTarget: true });
    case 'throttled':
      return pastDeadline
        ? finishWith(run, answered, timedOut(run))
        : scheduleNextPoll(run, answered, result.retryAfterSeconds);
    case 'found':
      return yield* announceStall(
        run,
        state,
        recordReplication(run, answered, result.restorePoint, pastDeadline),
      );
  }
}

/** Sends one `Stalled` event per stall (identified by its percent) of a copy that is still replicating. */
function* announceStall(
  run: CopyRun,
  before: PollPhase,
  after: CarriedState,
): Generator<Task, CarriedState, unknown> {
  if (after.phase !== 'poll') {
    return after;
  }
  const stall = detectStall({
    document: after.document,
    previousDisks: before.document.progress.disks,
    poll: after.poll,
    settings: run.settings.polling,
    now: run.nowIso(),
    announcedPercent: after.stallAnnouncedPercent,
  });
  if (stall === undefined) {
    return after;
  }
  const published = yield* run.call('publishStalled', { data: stall, time: run.nowIso() });
  if (!published.ok) {
    run.log('error', `could not publish RestorePointCopy.Stalled: ${published.message}`);
  }
  return { ...after, stallAnnouncedPercent: stall.percent };
}

function* publishStarted(run: CopyRun, state: PollPhase): Generator<Task, CarriedState, unknown> {
  const published = yield* run.call('publishCopyEvent', {
    type: 'RestorePointCopy.Started',
    document: state.document,
  });
  let counters = afterAnswer(state.counters);
  if (!published.ok) {
    const next = afterFailedAttempt(state.counters, run.settings.activityRetry);
    if (next.kind === 'retry') {
      return { ...state, counters: next.counters, wakeAt: run.inSeconds(next.delaySeconds) };
    }
    run.log('error', `could not publish RestorePointCopy.Started: ${published.message}`);
    counters = next.counters;
  }
  return scheduleNextPoll(run, { ...state, counters, startedEventPublished: true });
}

/** Folds a progress read into the document and the schedule, and decides whether the copy is over. */
function recordReplication(
  run: CopyRun,
  state: PollPhase,
  restorePoint: RestorePointView,
  pastDeadline: boolean,
): CarriedState {
  const verdict = evaluateReplication(restorePoint);
  const unknownCodes = verdict.unknownCodes.join(', ');
  if (unknownCodes !== '' && unknownCodes !== state.unknownCodes) {
    // Read as "in progress", never as success; logged verbatim once per change.
    run.log('warn', `undocumented replication status codes: ${unknownCodes}`);
  }
  const poll = recordProgress(
    state.poll,
    { at: run.nowIso(), percent: verdict.percent, disks: verdict.disks.map((disk) => disk.percent) },
    run.settings.polling,
    state.document.startedAt ?? undefined,
  );
  const eta = estimateCompletion(poll);
  const inProgress = verdict.state === 'inProgress';
  const updated = run.update(
    { ...state, poll, unknownCodes },
    {
      progress: {
        percent: verdict.percent,
        etaSeconds:
          inProgress && eta !== undefined
            ? Math.max(0, Math.round((Date.parse(eta) - run.nowMs()) / 1000))
            : null,
        stalled: inProgress && isStalled(poll, run.settings.polling),
        disks: verdict.disks,
      },
    },
  );
  switch (afterProgress(verdict.state, pastDeadline)) {
    case 'succeeded': {
      const usable = run.update(updated, {
        usable: true,
        ...(verdict.customerManagedKeyNote === undefined ? {} : { note: verdict.customerManagedKeyNote }),
      });
      return finishWith(run, usable, { status: 'Succeeded' });
    }
    case 'failed':
      return finishWith(run, updated, {
        status: 'Failed',
        deleteTarget: true,
        error: copyError(
          'platform-failure',
          verdict.failure?.code ?? 'ReplicationFailed',
          `Azure reported the copy failed (${verdict.failure?.message ?? 'no detail'}). A failed copy cannot be resumed.`,
        ),
      });
    case 'timed-out':
      return finishWith(run, updated, timedOut(run));
    case 'continue':
      return scheduleNextPoll(run, updated);
  }
}

/** Sets the next read on the polling schedule (never past the deadline, at least a `Retry-After` away). */
function scheduleNextPoll(run: CopyRun, state: PollPhase, retryAfterSeconds?: number): PollPhase {
  const now = run.nowIso();
  const delay = nextPollDelaySeconds({
    state: state.poll,
    now,
    startedAt: state.document.startedAt ?? now,
    deadline: state.deadline,
    settings: run.settings.polling,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  });
  return { ...state, poll: withDelay(state.poll, delay), wakeAt: run.inSeconds(delay) };
}

function timedOut(run: CopyRun): Outcome {
  return {
    status: 'TimedOut',
    deleteTarget: true,
    error: copyError(
      'timeout',
      'CopyTimedOut',
      `Replication did not finish within ${Math.round(run.settings.copyTimeoutSeconds / 3600)} hours of the copy request.`,
    ),
  };
}
