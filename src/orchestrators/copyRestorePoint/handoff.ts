import type { Task } from 'durable-functions';

import type { LineMember, Released } from '../../domain/coordination';
import { LEAVE_OPERATION, lineKey } from '../../domain/coordination';
import type { CarriedState, Handoff, LinePlace } from '../../domain/copyState';
import type { Attempt, CopyRun } from './run';
import { afterAnswer, afterFailedAttempt } from './decisions';

/** Whether the state has line work to do before its phase's next step. */
export function hasHandoff(state: CarriedState): boolean {
  return state.handoff !== undefined && (state.handoff.leave.length > 0 || state.handoff.wake.length > 0);
}

/**
 * One task of the handoff: give up the next place (the line answers whom that lets through), or, once every
 * place is given up, wake everyone the lines named. A copy that cannot be woken has ended: its place is given
 * up in turn, so a slot granted to a copy terminated meanwhile is not lost.
 *
 * @remarks Failures retry with the activity back-off; when the attempts run out the item is dropped with a
 * warning. Nothing is lost by that: a place left behind belongs to an ended copy, which the next in line
 * reclaims, and a copy not woken asks again by itself.
 */
export function* handoffStep<S extends CarriedState>(run: CopyRun, state: S): Generator<Task, S, unknown> {
  const handoff: Handoff = state.handoff ?? { leave: [], wake: [] };
  const sourceCollectionId = state.document.sourceCollectionId;
  const [place, ...others] = handoff.leave;
  if (place !== undefined) {
    const key = lineKey(place.line, sourceCollectionId, run.input.targetRegion);
    const left: Attempt<Released> =
      place.line === 'pair'
        ? yield* run.ask('pair', key, LEAVE_OPERATION.pair, place.member)
        : yield* run.ask('capacity', key, LEAVE_OPERATION.capacity, place.member);
    if (!left.ok) {
      return failed(
        run,
        state,
        { ...handoff, leave: others },
        `leaving the ${place.line} line`,
        left.message,
      );
    }
    // This copy, let through by a place it reclaimed, needs no event: its queue step asks again next.
    const wake = left.value.wake
      .filter((member) => member.copyId !== run.input.copyId)
      .map((member): LinePlace => ({ line: place.line, member }));
    return settled(state, { leave: others, wake: [...handoff.wake, ...wake] });
  }
  const woken = yield* run.call('wakeCopies', { copies: distinct(handoff.wake), wake: 'all' });
  if (!woken.ok) {
    return failed(run, state, { ...handoff, wake: [] }, 'waking the next copies', woken.message);
  }
  const ended = new Set(woken.value.ended.map((member) => `${member.copyId} ${member.attempt}`));
  const reclaim = handoff.wake.filter(({ member }) => ended.has(`${member.copyId} ${member.attempt}`));
  return settled(state, { leave: reclaim, wake: [] });
}

function distinct(places: readonly LinePlace[]): LineMember[] {
  const seen = new Map<string, LineMember>();
  for (const { member } of places) {
    seen.set(`${member.copyId} ${member.attempt}`, member);
  }
  return [...seen.values()];
}

function settled<S extends CarriedState>(state: S, handoff: Handoff): S {
  const { handoff: _done, ...rest } = state;
  const counters = afterAnswer(state.counters);
  return (
    handoff.leave.length > 0 || handoff.wake.length > 0
      ? { ...rest, counters, handoff }
      : { ...rest, counters }
  ) as S;
}

function failed<S extends CarriedState>(
  run: CopyRun,
  state: S,
  withoutItem: Handoff,
  doing: string,
  message: string,
): S {
  const next = afterFailedAttempt(state.counters, run.settings.activityRetry);
  if (next.kind === 'retry') {
    return { ...state, counters: next.counters, wakeAt: run.inSeconds(next.delaySeconds) };
  }
  run.log('warn', `gave up ${doing}: ${message}`);
  return settled({ ...state, counters: { ...next.counters, transientFailures: 0 } }, withoutItem);
}
