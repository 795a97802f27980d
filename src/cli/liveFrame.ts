/** Where the CLI writes text: a stream, or a test's buffer. */
export interface TextSink {
  write(text: string): unknown;
}

const hideCursor = '\u001b[?25l';
const showCursor = '\u001b[?25h';
const clearLine = '\u001b[2K';
const clearBelow = '\u001b[J';

/**
 * Redraws a block of lines in place in a terminal: each frame moves the cursor back to the top of the
 * previous one and overwrites it.
 *
 * @remarks A frame taller than the terminal would scroll, and the cursor could no longer reach its top, so
 * frames are cut to the terminal's height.
 */
export class LiveFrame {
  private drawn: readonly string[] = [];
  private cursorHidden = false;

  constructor(
    private readonly out: TextSink,
    private readonly rows: () => number | undefined,
  ) {}

  /** Draws `lines` over the previous frame; an unchanged frame is not written again (no flicker over SSH). */
  draw(lines: readonly string[]): void {
    const fitted = this.fit(lines);
    if (
      this.cursorHidden &&
      fitted.length === this.drawn.length &&
      fitted.every((line, i) => line === this.drawn[i])
    ) {
      return;
    }
    const up = this.drawn.length > 0 ? `\r\u001b[${this.drawn.length}A` : '';
    const hide = this.cursorHidden ? '' : hideCursor;
    this.cursorHidden = true;
    this.out.write(`${hide}${up}${fitted.map((line) => `${clearLine}${line}\n`).join('')}${clearBelow}`);
    this.drawn = fitted;
  }

  /** Shows the cursor again; the last frame stays on screen. Safe to call more than once. */
  close(): void {
    if (!this.cursorHidden) {
      return;
    }
    this.cursorHidden = false;
    this.out.write(showCursor);
  }

  private fit(lines: readonly string[]): readonly string[] {
    const rows = this.rows();
    if (rows === undefined || rows < 3 || lines.length < rows) {
      return lines;
    }
    const kept = lines.slice(0, rows - 2);
    return [...kept, `… ${lines.length - kept.length} more lines: enlarge the terminal to see them`];
  }
}
