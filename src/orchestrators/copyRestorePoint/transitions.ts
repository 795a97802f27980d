import type { CarriedState, CopyTarget, FinishPhase, Outcome, PollPhase } from '../../domain/copyState';
import { finalProgress } from '../../domain/copyDocument';
import { initialPollState } from '../../domain/polling';
import { afterFailedAttempt, unavailable } from './decisions';
import type { CopyRun } from './run';

/**
 * Ends the copy with `outcome`, then the finish phase removes the target if needed and publishes the event.
 * A cancel turns the document terminal at once. Any other outcome first passes the `confirm` step: the API
 * accepts a cancel while the document is not terminal, so the outcome shows only once a durable barrier has
 * given every cancel raised before it the chance to win.
 */
export function finishWith(run: CopyRun, state: CarriedState, outcome: Outcome): FinishPhase {
  run.log(
    outcome.status === 'Succeeded' ? 'info' : 'warn',
    `ended ${outcome.status}${outcome.error ? `: ${outcome.error.message}` : ''}`,
  );
  const finish: FinishPhase = {
    phase: 'finish',
    document: state.document,
    generation: state.generation,
    counters: { ...state.counters, failedAttempts: 0 },
    ...(state.inLine === true ? { inLine: true } : {}),
    ...(state.handoff === undefined ? {} : { handoff: state.handoff }),
    outcome,
    step: 'confirm',
  };
  return outcome.status === 'Canceled' ? showOutcome(run, finish) : finish;
}

/** Makes the document terminal with the finish phase's outcome, and moves on to the clean-up. */
export function showOutcome(run: CopyRun, state: FinishPhase): FinishPhase {
  const { outcome } = state;
  const shown = run.update(state, {
    status: outcome.status,
    completedAt: run.nowIso(),
    ...(outcome.reason === undefined ? {} : { reason: outcome.reason }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
    ...(outcome.status === 'Canceled' ? { usable: false } : {}),
    progress: finalProgress(state.document.progress, outcome.status),
  });
  const deleteTarget = outcome.deleteTarget === true && shown.document.targetRestorePointId !== null;
  return { ...leaveLines(run, shown), step: deleteTarget ? 'delete' : 'publish' };
}

/**
 * Once the copy has ended, whatever the outcome, it gives up its places in its lines before anything else (the
 * handoff runs before the next step), so the copies behind it go within seconds.
 */
function leaveLines(run: CopyRun, state: FinishPhase): FinishPhase {
  if (state.inLine !== true) {
    return state;
  }
  const member = { copyId: run.input.copyId, attempt: run.attempt };
  const handoff = state.handoff ?? { leave: [], wake: [] };
  const { inLine: _left, ...rest } = state;
  return {
    ...rest,
    handoff: {
      ...handoff,
      leave: [...handoff.leave, { line: 'capacity', member }, { line: 'pair', member }],
    },
  };
}

/**
 * After an attempt threw: try again after a back-off, or (every attempt failed) give up once transient
 * failures reach their limit, else look again after `recheckSeconds`.
 */
export function afterThrown<S extends Exclude<CarriedState, FinishPhase>>(
  run: CopyRun,
  state: S,
  message: string,
  recheckSeconds: number,
): S | FinishPhase {
  const next = afterFailedAttempt(state.counters, run.settings.activityRetry);
  if (next.kind === 'retry') {
    return { ...state, counters: next.counters, wakeAt: run.inSeconds(next.delaySeconds) };
  }
  if (next.giveUp) {
    return finishWith(run, { ...state, counters: next.counters }, unavailable(message));
  }
  return { ...state, counters: next.counters, wakeAt: run.inSeconds(recheckSeconds) };
}

/** Azure accepted the copy (now or in an earlier attempt): from here on, replication is polled. */
export function startPolling(
  run: CopyRun,
  state: Exclude<CarriedState, FinishPhase | PollPhase>,
  target: CopyTarget,
): PollPhase {
  const { document } = run.update(state, {
    status: 'Replicating',
    targetRestorePointId: target.restorePointId,
    startedAt: run.nowIso(),
  });
  return {
    phase: 'poll',
    document,
    generation: state.generation,
    counters: { ...state.counters, failedAttempts: 0, transientFailures: 0 },
    ...(state.inLine === true ? { inLine: true } : {}),
    ...(state.handoff === undefined ? {} : { handoff: state.handoff }),
    target,
    deadline: run.inSeconds(run.settings.copyTimeoutSeconds),
    poll: initialPollState(),
    startedEventPublished: false,
    unknownCodes: '',
  };
}
