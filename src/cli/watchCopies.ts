import type { ApiResult, CopyApiClient } from './copyApiClient';
import { ApiError, ConnectionError } from './copyApiClient';
import type { CopyDocument } from './copyDocument';
import { activeStatuses, copyOutcome, isEnded } from './copyDocument';
import type { TextSink } from './liveFrame';
import { LiveFrame } from './liveFrame';
import type { RenderStyle } from './render';
import { renderPlainLine, renderWatchFrame } from './render';

export interface WatchCopiesOptions {
  client: CopyApiClient;
  /** One copy; without it, every copy in progress. */
  id?: string;
  /** Without an id: keep watching for new copies until interrupted. */
  follow: boolean;
  intervalMs: number;
  json: boolean;
  stdout: TextSink;
  stderr: TextSink;
  /** Live bars when true; plain lines (or JSON lines) otherwise. */
  isTTY: boolean;
  columns: () => number;
  rows: () => number | undefined;
  style: RenderStyle;
  signal?: AbortSignal;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * How `watch` rides out an API that stops answering (a restart of the app or the stack, a network blip):
 * the wait doubles from the poll interval up to `maxWaitMs`. Watching until the copies end gives up once it
 * has waited `giveUpAfterMs` in total without an answer; `--follow` keeps trying until Ctrl-C. The limits
 * are shown with every retry.
 */
export const pollRetry = { maxWaitMs: 30_000, giveUpAfterMs: 15 * 60_000 } as const;

/** Exit code when the user interrupts. */
export const interruptedExitCode = 130;

/** Ended copies kept on screen in `--follow` mode, newest last. */
const endedCopiesShownWhileFollowing = 5;

function isTransient(error: unknown): boolean {
  if (error instanceof ConnectionError) {
    return true;
  }
  return error instanceof ApiError && (error.status >= 500 || error.status === 429 || error.status === 408);
}

/** `90000` → `1m 30s`; whole seconds are enough for waits of a few seconds to a few minutes. */
function formatWait(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) {
    return `${seconds}s`;
  }
  const rest = seconds % 60;
  return rest === 0 ? `${seconds / 60}m` : `${Math.floor(seconds / 60)}m ${rest}s`;
}

function describeTransient(error: unknown): string {
  if (error instanceof ConnectionError) {
    return `API unreachable (${error.reason})`;
  }
  if (error instanceof ApiError) {
    return `API answered ${error.status} ${error.code}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * Polls one copy, or every copy in progress, and shows each change until the watched copies have ended.
 *
 * @returns the exit code: 0 when every watched copy Succeeded (or none was in progress), 1 when one ended
 * without a usable target, 130 when interrupted.
 * @throws ApiError, ConnectionError or InvalidResponseError when a failure is not transient, when the first
 * poll fails without `--follow` (the app is most likely not running), or, without `--follow`, when the API
 * has not answered for {@link pollRetry}.giveUpAfterMs.
 */
// Long: the poll loop and its closures share the watched copies, the frame and the retry state.
export async function watchCopies(options: WatchCopiesOptions): Promise<number> {
  const { client, signal } = options;
  const watched = new Map<string, ApiResult<CopyDocument>>();
  const lastPrinted = new Map<string, string>();
  const frame = options.isTTY && !options.json ? new LiveFrame(options.stdout, options.rows) : undefined;
  const title =
    options.id !== undefined
      ? `rpcopy watch ${options.id} · ${client.displayUrl} · Ctrl-C to stop`
      : `rpcopy watch: copies in progress · ${client.displayUrl} · Ctrl-C to stop`;

  const pollOne = async (id: string): Promise<void> => {
    watched.set(id, await client.getCopy(id));
  };

  // Lists find the copies in progress; each watched copy is then read on its own, because that document is
  // authoritative and a copy that just ended has left the lists.
  const pollAll = async (): Promise<void> => {
    const active = await client.listAllCopies({ status: activeStatuses.join(',') });
    // Always take the listed state: a copy that had ended may have been requested again under the same id.
    for (const entry of active) {
      watched.set(entry.value.id, entry);
    }
    const open = [...watched.values()].filter((entry) => !isEnded(entry.value.status));
    await Promise.all(open.map((entry) => pollOne(entry.value.id)));
  };

  const show = (notice: string | undefined): void => {
    const copies = [...watched.values()].map((entry) => entry.value);
    if (frame) {
      frame.draw(
        renderWatchFrame(copies, {
          columns: options.columns(),
          style: options.style,
          title,
          emptyText: 'No copies in progress; waiting for new ones.',
          ...(notice !== undefined ? { notice } : {}),
        }),
      );
      return;
    }
    for (const entry of watched.values()) {
      const line = options.json ? JSON.stringify(entry.body) : renderPlainLine(entry.value, options.style);
      if (lastPrinted.get(entry.value.id) === line) {
        continue;
      }
      lastPrinted.set(entry.value.id, line);
      options.stdout.write(`${line}\n`);
    }
    if (notice !== undefined) {
      options.stderr.write(`rpcopy: ${notice}\n`);
    }
  };

  // Following for days must not pile up ended copies on screen or in memory.
  const forgetOldEndedCopies = (): void => {
    if (!options.follow) {
      return;
    }
    const ended = [...watched.values()].filter((entry) => isEnded(entry.value.status));
    for (const entry of ended.slice(0, -endedCopiesShownWhileFollowing)) {
      watched.delete(entry.value.id);
      lastPrinted.delete(entry.value.id);
    }
  };

  const finished = (): boolean => {
    if (options.follow) {
      return false;
    }
    return [...watched.values()].every((entry) => isEnded(entry.value.status));
  };

  const exitCode = (): number =>
    [...watched.values()].some((entry) => copyOutcome(entry.value.status) === 'unsuccessful') ? 1 : 0;

  let polls = 0;
  /** Milliseconds waited since the last answer; undefined while the API answers. */
  let waitedWithoutAnswer: number | undefined;
  let nextWaitMs = options.intervalMs;
  try {
    for (;;) {
      let notice: string | undefined;
      try {
        await (options.id !== undefined ? pollOne(options.id) : pollAll());
        waitedWithoutAnswer = undefined;
        nextWaitMs = options.intervalMs;
      } catch (error) {
        if (signal?.aborted) {
          break;
        }
        const waited = waitedWithoutAnswer ?? 0;
        // Without --follow, a first poll that fails means the app is most likely not running: say so at once.
        const givesUp = !options.follow && waited >= pollRetry.giveUpAfterMs;
        if ((polls === 0 && !options.follow) || !isTransient(error) || givesUp) {
          if (waited > 0) {
            options.stderr.write(`rpcopy: the API has not answered for ${formatWait(waited)}; giving up.\n`);
          }
          throw error;
        }
        nextWaitMs =
          waitedWithoutAnswer === undefined
            ? options.intervalMs
            : Math.min(nextWaitMs * 2, pollRetry.maxWaitMs);
        waitedWithoutAnswer = waited + nextWaitMs;
        const limit = options.follow
          ? 'Ctrl-C to stop'
          : `gives up after ${formatWait(pollRetry.giveUpAfterMs)} without an answer`;
        notice = `${describeTransient(error)}; retrying in ${formatWait(nextWaitMs)} (waits grow to ${formatWait(pollRetry.maxWaitMs)}; ${limit})`;
      }
      polls += 1;
      const nothingToWatch = waitedWithoutAnswer === undefined && polls === 1 && watched.size === 0;
      if (nothingToWatch && !options.follow) {
        // In a terminal too: an empty frame that vanishes at once looks like a crash.
        (options.json ? options.stderr : options.stdout).write('No copies in progress.\n');
        return 0;
      }
      if (nothingToWatch && !frame && !options.json) {
        options.stdout.write('No copies in progress; waiting for new ones.\n');
      }
      show(notice);
      forgetOldEndedCopies();
      if (notice === undefined && finished()) {
        return exitCode();
      }
      if (signal?.aborted) {
        break;
      }
      await options.sleep(waitedWithoutAnswer === undefined ? options.intervalMs : nextWaitMs, signal);
      if (signal?.aborted) {
        break;
      }
    }
    // The terminal has echoed ^C after the frame; the shell prompt should start on a line of its own.
    if (frame) {
      options.stdout.write('\n');
    }
    return interruptedExitCode;
  } finally {
    frame?.close();
  }
}
