import type { OrchestrationContext, Task } from 'durable-functions';

import type {
  CopyOrchestrationInput,
  CopySettings,
  OrchestratedActivityName,
  OrchestratedInput,
  OrchestratedResult,
} from '../../domain/copyContracts';
import { CANCEL_EVENT, OrchestratedActivityNames } from '../../domain/copyContracts';
import type { LineInput, LineKind, LineOperationName, LineReply } from '../../domain/coordination';
import { LINE_ENTITIES, TURN_EVENT } from '../../domain/coordination';
import type { CopyDocument } from '../../domain/copyDocument';
import type { CarriedState } from '../../domain/copyState';
import { MAX_TIMER_SECONDS } from '../../domain/polling';
import type { GenerationCounts } from './decisions';
import { shouldContinueAsNew } from './decisions';

/** One attempt of an activity: its answer, or the message of the transient failure it threw. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * How a wait ended: its timer reached the instant waited for; a turn event came (ask the line again); or
 * neither (a long wait's partial timer fired, or a cancel came).
 */
export type WaitEnd = 'reached' | 'turn' | 'not-yet';

/**
 * History events a turn costs beyond its task: the episode of an event nobody waited for, or the timer a turn
 * cut short, which still fires later (OrchestratorStarted, the event, OrchestratorCompleted).
 */
const EVENTS_PER_TURN = 3;

/**
 * One execution (generation) of a copy orchestration: the clock, the custom status, the cancel, and the only
 * ways to yield (`call`, `waitCanceled`), which count the tasks so a generation can end before its history
 * grows past the limit.
 *
 * @remarks durable-functions 3.5.0 keeps every `waitForExternalEvent` task ever yielded registered and gives
 * a raised event to the newest one. A fresh waiter per wait let a cancel that arrived while no wait was
 * pending (during an activity, or replayed beside a due timer) complete a stale waiter nobody read. So there
 * is exactly one cancel task per execution, raced in every yield and read with {@link CopyRun.canceled}.
 * A copy may be woken many times, so the turn task is replaced once it was taken ({@link CopyRun.takeTurn}),
 * and every yield races the current one while it is pending: it is always the newest waiter, and a turn raised
 * at any time lands on it.
 */
export class CopyRun {
  readonly input: CopyOrchestrationInput;
  readonly settings: CopySettings;
  private readonly cancel: Task;
  private turn: Task;
  /** Whether the completed turn task ended a wait (its cost is counted there). */
  private turnEndedWait = false;
  private readonly counts: GenerationCounts = { tasks: 0, waits: 0, lateEvents: 0 };

  constructor(private readonly context: OrchestrationContext) {
    this.input = context.df.getInput<CopyOrchestrationInput>();
    this.settings = this.input.settings;
    this.cancel = context.df.waitForExternalEvent(CANCEL_EVENT);
    this.turn = context.df.waitForExternalEvent(TURN_EVENT);
  }

  /** Which run of the copy id this is (1 for the first), as the lines record it. */
  get attempt(): number {
    return this.input.attempt ?? 1;
  }

  /**
   * Whether a turn event came since the last call. Takes it: the next turn lands on a fresh task, which the
   * next yield registers.
   */
  takeTurn(): boolean {
    if (!this.turn.isCompleted) {
      return false;
    }
    if (!this.turnEndedWait) {
      this.counts.lateEvents += EVENTS_PER_TURN;
    }
    this.turn = this.context.df.waitForExternalEvent(TURN_EVENT);
    this.turnEndedWait = false;
    return true;
  }

  /** Whether a cancel has arrived: true from the first step after its event was replayed. */
  canceled(): boolean {
    return this.cancel.isCompleted;
  }

  nowMs(): number {
    return this.context.df.currentUtcDateTime.getTime();
  }

  nowIso(): string {
    return this.context.df.currentUtcDateTime.toISOString();
  }

  /** ISO: `seconds` from now. */
  inSeconds(seconds: number): string {
    return new Date(this.nowMs() + Math.max(0, seconds) * 1000).toISOString();
  }

  log(level: 'info' | 'warn' | 'error', message: string): void {
    if (!this.context.df.isReplaying) {
      this.context[level](`[${this.input.copyId}] ${message}`);
    }
  }

  /** The state with its document patched; the document is also the custom status. */
  update<S extends CarriedState>(state: S, patch: Partial<CopyDocument>): S {
    const document = { ...state.document, ...patch };
    this.context.df.setCustomStatus(document);
    return { ...state, document };
  }

  showStatus(document: CopyDocument): void {
    this.context.df.setCustomStatus(document);
  }

  /**
   * One attempt of an activity. The cancel task rides along so that a cancel arriving meanwhile is recorded,
   * but the activity is always awaited to its end: what it did (a copy requested) decides the cleanup.
   */
  *call<N extends OrchestratedActivityName>(
    name: N,
    input: OrchestratedInput<N>,
  ): Generator<Task, Attempt<OrchestratedResult<N>>, unknown> {
    return yield* this.settle<OrchestratedResult<N>>(
      name,
      this.context.df.callActivity(OrchestratedActivityNames[name], input),
    );
  }

  /**
   * One operation on one of the copy's lines (a coordination entity), awaited like an activity. Entities run
   * one operation at a time, so what it answers (a grant, whom to wake) is exact.
   */
  *ask<K extends LineKind, O extends LineOperationName<K>>(
    line: K,
    key: string,
    operation: O,
    input: LineInput<K, O>,
  ): Generator<Task, Attempt<LineReply<K, O>>, unknown> {
    // callEntity reads only the id's name and key; the SDK's EntityId class is no import of an orchestrator.
    const entity = { name: LINE_ENTITIES[line], key } as Parameters<typeof this.context.df.callEntity>[0];
    return yield* this.settle<LineReply<K, O>>(
      `${line} ${operation}`,
      this.context.df.callEntity(entity, operation, input),
    );
  }

  /** The cancel and the turn while they are pending: raced in every yield (see the class remarks). */
  private interrupts(): Task[] {
    return [...(this.canceled() ? [] : [this.cancel]), ...(this.turn.isCompleted ? [] : [this.turn])];
  }

  private *settle<T>(name: string, task: Task): Generator<Task, Attempt<T>, unknown> {
    this.counts.tasks++;
    try {
      const interrupts = this.interrupts();
      if (interrupts.length > 0) {
        yield this.context.df.Task.any([task, ...interrupts]);
      }
      const value = (yield task) as T;
      return { ok: true, value };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log('warn', `${name} failed: ${message}`);
      return { ok: false, message };
    }
  }

  /**
   * Waits towards `until` on one durable timer (under {@link MAX_TIMER_SECONDS}: longer ones are refused or
   * split differently by the storage providers), ending early if a cancel arrives, or a turn when `orTurn`
   * (a copy waiting in its line). Once canceled, it only waits (a clean-up's retry back-off).
   *
   * @returns `reached` when the timer that reached `until` fired. The real engine (Azure Storage) delivers a
   * timer up to about a second before its fire time, so the orchestration's clock may still read earlier than
   * `until`: the wait is over all the same, and re-arming a timer for the remainder would cost episodes.
   */
  *waitCanceled(until: string, orTurn = false): Generator<Task, WaitEnd, unknown> {
    if (orTurn && this.turn.isCompleted && !this.canceled()) {
      // It came while the copy was asking its line: ask again rather than wait.
      return 'turn';
    }
    const remaining = (Date.parse(until) - this.nowMs()) / 1000;
    const seconds = Math.min(remaining, MAX_TIMER_SECONDS);
    const timer = this.context.df.createTimer(new Date(this.nowMs() + Math.max(0, seconds) * 1000));
    const reached: WaitEnd = remaining <= MAX_TIMER_SECONDS ? 'reached' : 'not-yet';
    this.counts.tasks++;
    this.counts.waits++;
    if (this.canceled()) {
      yield timer;
      return reached;
    }
    const turnPending = orTurn && !this.turn.isCompleted;
    yield this.context.df.Task.any(turnPending ? [timer, this.cancel, this.turn] : [timer, this.cancel]);
    if (!timer.isCompleted) {
      // An un-canceled timer would keep the orchestration running until it fires.
      timer.cancel();
      if (this.turn.isCompleted && !this.canceled()) {
        this.counts.lateEvents += EVENTS_PER_TURN;
        this.turnEndedWait = true;
        return 'turn';
      }
      return 'not-yet';
    }
    return reached;
  }

  /** Whether this generation must hand over before its next task (a wait when `nextIsWait`). */
  shouldContinueAsNew(nextIsWait: boolean): boolean {
    return shouldContinueAsNew(this.counts, nextIsWait, this.settings.pollsPerGeneration);
  }

  /**
   * Hands the state to a fresh generation. Every event before this point has been replayed into the cancel
   * task, which the caller read; one raised later in the same episode is carried over by the host into the
   * next generation, whose cancel task receives it.
   */
  continueAsNew(state: CarriedState): void {
    this.context.df.continueAsNew({
      ...this.input,
      carried: { ...state, generation: state.generation + 1 },
    } satisfies CopyOrchestrationInput);
  }
}
