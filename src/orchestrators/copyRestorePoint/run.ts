import type { OrchestrationContext, Task } from 'durable-functions';

import type {
  CopyOrchestrationInput,
  CopySettings,
  OrchestratedActivityName,
  OrchestratedInput,
  OrchestratedResult,
} from '../../domain/copyContracts';
import { CANCEL_EVENT, OrchestratedActivityNames } from '../../domain/copyContracts';
import type { CopyDocument } from '../../domain/copyDocument';
import type { CarriedState } from '../../domain/copyState';
import { MAX_TIMER_SECONDS } from '../../domain/polling';
import type { GenerationCounts } from './decisions';
import { shouldContinueAsNew } from './decisions';

/** One attempt of an activity: its answer, or the message of the transient failure it threw. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * One execution (generation) of a copy orchestration: the clock, the custom status, the cancel, and the only
 * ways to yield (`call`, `waitCanceled`), which count the tasks so a generation can end before its history
 * grows past the limit.
 *
 * @remarks durable-functions 3.5.0 keeps every `waitForExternalEvent` task ever yielded registered and gives
 * a raised event to the newest one. A fresh waiter per wait let a cancel that arrived while no wait was
 * pending (during an activity, or replayed beside a due timer) complete a stale waiter nobody read. So there
 * is exactly one cancel task per execution, raced in every yield and read with {@link CopyRun.canceled}.
 */
export class CopyRun {
  readonly input: CopyOrchestrationInput;
  readonly settings: CopySettings;
  private readonly cancel: Task;
  private readonly counts: GenerationCounts = { tasks: 0, waits: 0 };

  constructor(private readonly context: OrchestrationContext) {
    this.input = context.df.getInput<CopyOrchestrationInput>();
    this.settings = this.input.settings;
    this.cancel = context.df.waitForExternalEvent(CANCEL_EVENT);
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
    const activity = this.context.df.callActivity(OrchestratedActivityNames[name], input);
    this.counts.tasks++;
    try {
      if (!this.canceled()) {
        yield this.context.df.Task.any([activity, this.cancel]);
      }
      const value = (yield activity) as OrchestratedResult<N>;
      return { ok: true, value };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log('warn', `${name} failed: ${message}`);
      return { ok: false, message };
    }
  }

  /**
   * Waits towards `until` on one durable timer (under {@link MAX_TIMER_SECONDS}: longer ones are refused or
   * split differently by the storage providers), ending early if a cancel arrives. Once canceled, it only
   * waits (a clean-up's retry back-off).
   *
   * @returns true when the timer that reached `until` fired. The real engine (Azure Storage) delivers a timer
   * up to about a second before its fire time, so the orchestration's clock may still read earlier than
   * `until`: the wait is over all the same, and re-arming a timer for the remainder would cost episodes.
   */
  *waitCanceled(until: string): Generator<Task, boolean, unknown> {
    const remaining = (Date.parse(until) - this.nowMs()) / 1000;
    const seconds = Math.min(remaining, MAX_TIMER_SECONDS);
    const timer = this.context.df.createTimer(new Date(this.nowMs() + Math.max(0, seconds) * 1000));
    this.counts.tasks++;
    this.counts.waits++;
    if (this.canceled()) {
      yield timer;
      return remaining <= MAX_TIMER_SECONDS;
    }
    yield this.context.df.Task.any([timer, this.cancel]);
    if (!timer.isCompleted) {
      // An un-canceled timer would keep the orchestration running until it fires.
      timer.cancel();
      return false;
    }
    return remaining <= MAX_TIMER_SECONDS;
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
