import type { OrchestrationContext, Task } from 'durable-functions';

import { createCopyDocument } from '../../domain/copyDocument';
import type { CopyDocument } from '../../domain/copyDocument';
import type { CarriedState } from '../../domain/copyState';
import { initialCounters } from '../../domain/copyState';
import type { Done } from './finishPhase';
import { finishStep } from './finishPhase';
import { handoffStep, hasHandoff } from './handoff';
import { pollStep } from './pollPhase';
import { queueStep, waitsForTurn } from './queuePhase';
import { resolveStep } from './resolvePhase';
import { CopyRun } from './run';
import { startStep } from './startPhase';
import { finishWith } from './transitions';

/**
 * Copies one source restore point into one region, in phases: resolve the source, queue for its turn, start
 * the copy, poll replication, finish (clean up, publish). The custom status is the live copy document.
 *
 * @remarks Deterministic: time from `currentUtcDateTime`, waits on durable timers only, every side effect in
 * an activity. Each turn of the loop runs at most one task: a phase step (one activity attempt) or a wait
 * until the step's `wakeAt`. The state between steps is what `continueAsNew` carries, so a generation can
 * hand over before any task: after `pollsPerGeneration` waits, or before its history could pass 100 events.
 * An accepted cancel ends the copy at the next turn, whatever the phase, until the finish phase begins.
 * Turns between copies are kept by the coordination entities (see `queuePhase`); work on them (a handoff)
 * goes before the phase's next step, in every phase.
 */
export function* copyRestorePointOrchestrator(
  context: OrchestrationContext,
): Generator<Task, CopyDocument, unknown> {
  const run = new CopyRun(context);
  let state: CarriedState = run.input.carried ?? firstState(run);
  run.showStatus(state.document);
  for (;;) {
    if (state.phase !== 'finish' && run.canceled()) {
      state = finishWith(run, state, { status: 'Canceled', deleteTarget: targetMayExist(state) });
    }
    const wakeAt = state.wakeAt;
    const waiting = wakeAt !== undefined && run.nowMs() < Date.parse(wakeAt);
    if (run.shouldContinueAsNew(waiting)) {
      run.continueAsNew(state);
      return state.document;
    }
    if (waiting) {
      if ((yield* run.waitCanceled(wakeAt, waitsForTurn(state))) !== 'not-yet') {
        state = { ...state, wakeAt: undefined };
      }
      continue;
    }
    const next = yield* step(run, { ...state, wakeAt: undefined });
    if (state.phase !== 'finish' && run.canceled()) {
      // A cancel accepted while the step's activity ran wins over whatever the activity found (even a
      // finished copy): the caller was told it would end Canceled.
      const before = next.phase === 'finish' || next.phase === 'done' ? state : next;
      state = finishWith(run, before, { status: 'Canceled', deleteTarget: targetMayExist(before) });
      continue;
    }
    if (next.phase === 'done') {
      return next.document;
    }
    state = next;
  }
}

function* step(run: CopyRun, state: CarriedState): Generator<Task, CarriedState | Done, unknown> {
  if (hasHandoff(state)) {
    return yield* handoffStep(run, state);
  }
  switch (state.phase) {
    case 'resolve':
      return yield* resolveStep(run, state);
    case 'queue':
      return yield* queueStep(run, state);
    case 'start':
      return yield* startStep(run, state);
    case 'poll':
      return yield* pollStep(run, state);
    case 'finish':
      return yield* finishStep(run, state);
  }
}

/** Whether a target restore point may exist, so that a cancel must delete it. */
function targetMayExist(state: CarriedState): boolean {
  return state.phase === 'poll' || (state.phase === 'start' && state.copyMayExist);
}

function firstState(run: CopyRun): CarriedState {
  const { input } = run;
  return {
    phase: 'resolve',
    document: createCopyDocument({
      id: input.copyId,
      sourceRestorePointId: input.sourceRestorePointId,
      sourceCollectionId: input.sourceCollectionId,
      targetRegion: input.targetRegion,
      requestedBy: input.requestedBy,
      // The orchestration's own clock, not the trigger's: deadlines and queue order compare against it.
      createdAt: run.nowIso(),
      ...(input.attempt !== undefined ? { attempt: input.attempt } : {}),
    }),
    generation: 0,
    counters: initialCounters(),
  };
}
