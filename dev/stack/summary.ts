import type { CopyApiClient } from '../../src/cli/copyApiClient';
import type { CopyDocument } from '../../src/cli/copyDocument';
import { isEnded } from '../../src/cli/copyDocument';
import type { TextSink } from '../../src/cli/liveFrame';
import { LiveFrame } from '../../src/cli/liveFrame';
import type { RenderStyle } from '../../src/cli/render';
import { renderPlainLine, renderWatchFrame } from '../../src/cli/render';

/** What the stack itself knows, shown above the copies. */
export interface StackStatus {
  /** Simulated time now (epoch ms). */
  now: number;
  /** Simulated milliseconds per real millisecond. */
  speed: number;
  /** When the next demo restore point is due; undefined when the schedule is off. */
  nextRestorePointAt?: number;
  /** Problems worth a line of their own, e.g. a failed restore point creation. */
  notices: readonly string[];
}

/** Ended copies kept on screen below the ones in progress, newest last. */
const ENDED_COPIES_SHOWN = 4;

function simulatedTime(time: number): string {
  return `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function speedText(speed: number): string {
  if (speed === 60) {
    return 'a minute per real second';
  }
  if (speed === 1) {
    return 'at real speed';
  }
  return `${speed}× real speed`;
}

/** Copies worth showing: every one in progress, then the few that ended last, oldest first. */
export function copiesToShow(copies: readonly CopyDocument[]): CopyDocument[] {
  const byCreation = (a: CopyDocument, b: CopyDocument): number =>
    (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id);
  const active = copies.filter((copy) => !isEnded(copy.status)).sort(byCreation);
  const ended = copies
    .filter((copy) => isEnded(copy.status))
    .sort(
      (a, b) =>
        (a.completedAt ?? a.createdAt ?? '').localeCompare(b.completedAt ?? b.createdAt ?? '') ||
        a.id.localeCompare(b.id),
    )
    .slice(-ENDED_COPIES_SHOWN);
  return [...ended, ...active];
}

/** One full screen of the live summary in a terminal. */
export function renderStackFrame(
  copies: readonly CopyDocument[],
  status: StackStatus,
  options: { columns: number; style: RenderStyle },
): string[] {
  const schedule =
    status.nextRestorePointAt === undefined
      ? 'No new source restore points are scheduled.'
      : `Next source restore point at ${simulatedTime(status.nextRestorePointAt)}.`;
  const shown = copiesToShow(copies);
  const hidden = copies.length - shown.length;
  const lines = renderWatchFrame(shown, {
    columns: options.columns,
    // Every time and ETA on this screen is on the simulated clock, and says so.
    style: { ...options.style, simulatedSpeed: status.speed },
    title: `rpcopy local stack · simulated ${simulatedTime(status.now)} (${speedText(status.speed)}) · Ctrl-C to stop`,
    emptyText: 'No copies yet: they start when a source restore point is created.',
    ...(status.notices.length > 0 ? { notice: status.notices.join(' · ') } : {}),
  });
  lines.splice(1, 0, schedule);
  if (hidden > 0) {
    lines.push('', `(${hidden} older ended copies not shown: npx rpcopy list)`);
  }
  return lines;
}

/** The plain-text form, for logs: one line per copy whose line changed since the last call. */
export class PlainSummary {
  private readonly printed = new Map<string, string>();
  private lastNotices = '';

  lines(copies: readonly CopyDocument[], status: StackStatus): string[] {
    const stamp = `[simulated ${simulatedTime(status.now)}]`;
    const lines: string[] = [];
    for (const copy of [...copies].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''))) {
      const line = renderPlainLine(copy, { color: false, simulatedSpeed: status.speed });
      if (this.printed.get(copy.id) === line) {
        continue;
      }
      this.printed.set(copy.id, line);
      lines.push(`${stamp} ${line}`);
    }
    const notices = status.notices.join(' · ');
    if (notices !== this.lastNotices) {
      this.lastNotices = notices;
      if (notices !== '') {
        lines.push(`${stamp} ${notices}`);
      }
    }
    return lines;
  }
}

export interface LiveSummaryOptions {
  client: CopyApiClient;
  status: () => StackStatus;
  out: TextSink;
  isTTY: boolean;
  columns: () => number;
  rows: () => number | undefined;
  style: RenderStyle;
  /** Real milliseconds between two polls of the API. */
  intervalMs: number;
}

/**
 * Polls the app's own HTTP API (what a user's `rpcopy list` sees) and shows it: redrawn in place in a
 * terminal, as change lines otherwise.
 */
export class LiveSummary {
  private readonly frame: LiveFrame | undefined;
  private readonly plain = new PlainSummary();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private lastError: string | undefined;
  private stopped = false;

  constructor(private readonly options: LiveSummaryOptions) {
    this.frame = options.isTTY ? new LiveFrame(options.out, options.rows) : undefined;
  }

  start(): void {
    if (this.timer) {
      return;
    }
    this.timer = setInterval(() => void this.refresh(), this.options.intervalMs);
    void this.refresh();
  }

  /** Polls once and draws; never throws (a failed poll becomes a notice). */
  refresh(): Promise<void> {
    this.polling ??= this.pollAndDraw().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearInterval(this.timer);
    }
    this.timer = undefined;
    await this.polling;
    this.frame?.close();
  }

  private async pollAndDraw(): Promise<void> {
    let copies: CopyDocument[] | undefined;
    try {
      copies = (await this.options.client.listAllCopies()).map((entry) => entry.value);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = `Could not read the copies: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (this.stopped) {
      return;
    }
    const base = this.options.status();
    const status = { ...base, notices: this.lastError ? [...base.notices, this.lastError] : base.notices };
    if (this.frame) {
      this.frame.draw(
        renderStackFrame(copies ?? [], status, {
          columns: this.options.columns(),
          style: this.options.style,
        }),
      );
    } else {
      for (const line of this.plain.lines(copies ?? [], status)) {
        this.options.out.write(`${line}\n`);
      }
    }
  }
}
