import type { Task } from 'durable-functions';

import type { LineKind, LineMember, Standing } from '../../domain/coordination';
import { lineKey } from '../../domain/coordination';
import type { CheckCopyTurnResult } from '../../domain/copyContracts';
import { copyError } from '../../domain/copyDocument';
import type { CarriedState, Outcome, QueuePhase, StartPhase } from '../../domain/copyState';
import type { Attempt, CopyRun } from './run';
import { afterAnswer, startTimeout } from './decisions';
import { afterThrown, finishWith, startPolling } from './transitions';

/** Asks Azure whether the target collection lets this copy go (the order of what is copied, earlier runs). */
export function* checkTurn(
  run: CopyRun,
  state: QueuePhase | StartPhase,
): Generator<Task, Attempt<CheckCopyTurnResult>, unknown> {
  return yield* run.call('checkCopyTurn', {
    copyId: run.input.copyId,
    sourceRestorePointId: state.source.restorePointId,
    sourceCollectionId: state.source.collectionId,
    sourceCreatedAt: state.source.createdAt,
    targetRegion: run.input.targetRegion,
    targetCollectionId: state.target.collectionId,
  });
}

export function skippedOutOfOrder(message: string): Outcome {
  return { status: 'Skipped', reason: 'ordering', error: copyError('ordering', 'OutOfOrder', message) };
}

/** The outcome once the copy has waited (its turn, or out throttling) past its deadline, else undefined. */
export function startTimedOut(run: CopyRun, state: QueuePhase | StartPhase): Outcome | undefined {
  return startTimeout(state.document.createdAt, run.nowMs(), run.settings.copyTimeoutSeconds, state.counters);
}

/** Whether the copy's wait ends early on a turn event: it waits in a line to be woken. */
export function waitsForTurn(state: CarriedState): boolean {
  return state.phase === 'queue' && state.standing !== undefined;
}

/**
 * Waits for the copy's turn: to be first of its pair (one copy at a time per source collection and region,
 * oldest source first), then for a slot under the cap, then claims the pair (an older restore point that came
 * meanwhile goes first, and the slot goes back), then asks Azure whether the target collection lets it go.
 *
 * @remarks A waiting copy is woken by the copy that let it through. The one next in line also checks, every
 * `queueRecheckSeconds`, that the copies ahead of it still run: point reads, never a listing. Those further
 * back sleep until they are woken, or until their deadline, so a long queue costs nothing per copy while it
 * waits.
 */
export function* queueStep(run: CopyRun, state: QueuePhase): Generator<Task, CarriedState, unknown> {
  const timedOut = startTimedOut(run, state);
  if (timedOut !== undefined) {
    return finishWith(run, state, timedOut);
  }
  if (state.step === 'ordering') {
    return yield* checkOrdering(run, state);
  }
  const woken = run.takeTurn();
  const standing = state.standing;
  if (!woken && standing !== undefined && standing.ahead.length > 0) {
    return yield* checkAhead(run, state, standing.ahead);
  }
  return yield* askLine(run, { ...state, standing: undefined }, state.step);
}

type LineStep = Exclude<QueuePhase['step'], 'ordering'>;

function* askLine(run: CopyRun, state: QueuePhase, step: LineStep): Generator<Task, CarriedState, unknown> {
  const member: LineMember = { copyId: run.input.copyId, attempt: run.attempt };
  const asking: QueuePhase = { ...state, inLine: true };
  const answer = yield* ask(run, state, step, member);
  if (!answer.ok) {
    return afterThrown(run, asking, answer.message, run.settings.queueRecheckSeconds);
  }
  const answered = { ...asking, counters: afterAnswer(asking.counters) };
  const standing = answer.value;
  if (standing.kind !== 'waiting') {
    return { ...answered, step: NEXT_STEP[step] };
  }
  if (step === 'claim') {
    // An older restore point of the pair came first while this copy got its slot: the slot goes back.
    const handoff = answered.handoff ?? { leave: [], wake: [] };
    return waitInLine(
      run,
      {
        ...answered,
        step: 'pair',
        handoff: { ...handoff, leave: [...handoff.leave, { line: 'capacity', member }] },
      },
      standing,
    );
  }
  return waitInLine(run, answered, standing);
}

function* ask(
  run: CopyRun,
  state: QueuePhase,
  step: LineStep,
  member: LineMember,
): Generator<Task, Attempt<Standing>, unknown> {
  const pair = lineKey('pair', state.source.collectionId, run.input.targetRegion);
  switch (step) {
    case 'pair':
      return yield* run.ask('pair', pair, 'join', {
        ...member,
        sourceCreatedAt: state.source.createdAt,
        createdAt: state.document.createdAt,
      });
    case 'capacity':
      return yield* run.ask(
        'capacity',
        lineKey('capacity', state.source.collectionId, run.input.targetRegion),
        'acquire',
        { ...member, limit: run.settings.maxConcurrentCopies },
      );
    case 'claim':
      return yield* run.ask('pair', pair, 'claim', member);
  }
}

/** After the pair is the slot; after the slot, the claim on the pair; then Azure's word. */
const NEXT_STEP = { pair: 'capacity', capacity: 'claim', claim: 'ordering' } as const;

/**
 * Waits to be woken: the next in line for a recheck period (then it checks on the copies ahead), the others
 * until their deadline.
 */
function waitInLine(
  run: CopyRun,
  state: QueuePhase,
  standing: Extract<Standing, { kind: 'waiting' }>,
): QueuePhase {
  const queued = queuedStatus(run, state);
  const deadline = Date.parse(state.document.createdAt) + run.settings.copyTimeoutSeconds * 1000;
  const next = standing.ahead.length > 0;
  return {
    ...queued,
    standing: { position: standing.position, ahead: standing.ahead },
    wakeAt: next ? run.inSeconds(run.settings.queueRecheckSeconds) : new Date(deadline).toISOString(),
  };
}

/**
 * A copy directly behind others (the next in line, or the one behind a pair's unclaimed first) waited a
 * whole recheck period without being woken: are the copies ahead still running? Ended ones (crashed,
 * terminated from outside) leave the line for them; live holders that missed their wake-up are woken again.
 */
function* checkAhead(
  run: CopyRun,
  state: QueuePhase,
  ahead: LineMember[],
): Generator<Task, CarriedState, unknown> {
  const line: LineKind = state.step === 'capacity' ? 'capacity' : 'pair';
  // Behind holders (next in line), a live holder still queued may have missed its wake-up; behind the
  // unclaimed first of a pair, the first is waiting for a slot and needs no nudge.
  const wake = state.standing?.position === 0 ? 'queued' : 'none';
  const checked = yield* run.call('wakeCopies', { copies: ahead, wake });
  const next: QueuePhase = { ...state, standing: undefined };
  if (!checked.ok) {
    // Asking the line again is as good as the check, and the next recheck checks again.
    return next;
  }
  const { ended } = checked.value;
  if (ended.length === 0) {
    return { ...next, counters: afterAnswer(next.counters) };
  }
  run.log('warn', `reclaiming the ${line} place of ended ${ended.map((copy) => copy.copyId).join(', ')}`);
  const handoff = next.handoff ?? { leave: [], wake: [] };
  return {
    ...next,
    counters: afterAnswer(next.counters),
    handoff: { ...handoff, leave: [...handoff.leave, ...ended.map((member) => ({ line, member }))] },
  };
}

function queuedStatus(run: CopyRun, state: QueuePhase): QueuePhase {
  const waiting = { ...state, counters: { ...state.counters, throttledLast: false } };
  return state.document.status === 'Queued' ? waiting : run.update(waiting, { status: 'Queued' });
}

/** Holding its pair and a slot, the copy asks Azure whether the target collection lets it go. */
function* checkOrdering(run: CopyRun, state: QueuePhase): Generator<Task, CarriedState, unknown> {
  const recheck = run.settings.queueRecheckSeconds;
  const turn = yield* checkTurn(run, state);
  if (!turn.ok) {
    return afterThrown(run, state, turn.message, recheck);
  }
  const answered = { ...state, counters: afterAnswer(state.counters) };
  const result = turn.value;
  switch (result.kind) {
    case 'go':
      return {
        phase: 'start',
        document: answered.document,
        generation: answered.generation,
        counters: answered.counters,
        ...(answered.inLine === true ? { inLine: true } : {}),
        ...(answered.handoff === undefined ? {} : { handoff: answered.handoff }),
        source: answered.source,
        target: answered.target,
        step: 'collection',
        copyMayExist: false,
      };
    case 'already-copied':
      // An earlier attempt's copy exists: watch it instead of starting another.
      return startPolling(run, answered, { ...state.target, restorePointId: result.targetRestorePointId });
    case 'skip':
      return finishWith(run, answered, skippedOutOfOrder(result.message));
    case 'fail':
      return finishWith(run, answered, { status: 'Failed', error: result.error });
    case 'throttled':
      return { ...answered, wakeAt: run.inSeconds(Math.max(recheck, result.retryAfterSeconds)) };
    case 'wait':
      return {
        ...queuedStatus(run, answered),
        wakeAt: run.inSeconds(Math.max(recheck, result.retryAfterSeconds ?? 0)),
      };
  }
}
