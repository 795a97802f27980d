import type { CopyDocument, CopyPage, DiskProgress } from './copyDocument';
import { copyOutcome, isEnded, lastSegment } from './copyDocument';

/** Pure renderers: documents in, lines out. The terminal layer only writes them. */

export interface RenderStyle {
  /** ANSI colours for status words; only for a terminal without `NO_COLOR`. */
  color: boolean;
  /**
   * The app runs on a simulated clock this many times faster than real time (the local stack's `--speed`).
   * ETAs and times then come from that clock, and say so. Undefined: the app's clock is real time.
   */
  simulatedSpeed?: number;
}

const plainStyle: RenderStyle = { color: false };

const ansi = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  cyan: '\u001b[36m',
} as const;

// eslint-disable-next-line no-control-regex -- matching ANSI escape sequences is the point
const ansiSequence = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function visibleLength(text: string): number {
  return [...text.replace(ansiSequence, '')].length;
}

/** Cuts a line to `width` visible characters, keeping ANSI sequences intact. */
export function truncateVisible(text: string, width: number): string {
  if (visibleLength(text) <= width) {
    return text;
  }
  let visible = 0;
  let result = '';
  let index = 0;
  while (index < text.length && visible < Math.max(0, width - 1)) {
    ansiSequence.lastIndex = index;
    const match = text.startsWith('\u001b[', index) ? ansiSequence.exec(text) : null;
    if (match && match.index === index) {
      result += match[0];
      index += match[0].length;
      continue;
    }
    const char = String.fromCodePoint(text.codePointAt(index) ?? 32);
    result += char;
    index += char.length;
    visible += 1;
  }
  return `${result}…${text.includes('\u001b[') ? ansi.reset : ''}`;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}

function paint(text: string, color: string, style: RenderStyle): string {
  return style.color ? `${color}${text}${ansi.reset}` : text;
}

export function paintStatus(status: string, style: RenderStyle): string {
  switch (copyOutcome(status)) {
    case 'succeeded':
      return paint(status, ansi.green, style);
    case 'unsuccessful':
      return paint(status, status === 'Skipped' || status === 'Canceled' ? ansi.yellow : ansi.red, style);
    case 'in-progress':
      return paint(status, ansi.cyan, style);
  }
}

/** Formats a duration as the two most significant units: `45s`, `12m 05s`, `3h 07m`, `2d 04h`. */
export function formatEta(seconds: number | undefined): string {
  if (seconds === undefined || seconds < 0) {
    return '—';
  }
  const total = Math.round(seconds);
  const two = (value: number): string => value.toString().padStart(2, '0');
  if (total < 60) {
    return `${total}s`;
  }
  if (total < 3600) {
    return `${Math.floor(total / 60)}m ${two(total % 60)}s`;
  }
  if (total < 86_400) {
    return `${Math.floor(total / 3600)}h ${two(Math.floor((total % 3600) / 60))}m`;
  }
  return `${Math.floor(total / 86_400)}d ${two(Math.floor((total % 86_400) / 3600))}h`;
}

/** An ETA with the clock it is in: `ETA 16m 20s`, or `ETA 16m 20s simulated (≈16s real)`. */
export function formatEtaPart(seconds: number, style: RenderStyle = plainStyle): string {
  const speed = style.simulatedSpeed;
  if (speed === undefined || speed === 1) {
    return `ETA ${formatEta(seconds)}`;
  }
  return `ETA ${formatEta(seconds)} simulated (≈${formatEta(seconds / speed)} real)`;
}

/** A timestamp as the API gave it, labelled when it comes from a simulated clock. */
function formatTime(time: string | undefined, style: RenderStyle): string {
  if (time === undefined) {
    return '—';
  }
  return style.simulatedSpeed === undefined || style.simulatedSpeed === 1
    ? time
    : `${time} (simulated clock)`;
}

/**
 * Whole percent, rounded down so that 99.6 never shows as a finished 100%.
 *
 * @returns `—` when unknown.
 */
export function formatPercent(percent: number | undefined): string {
  if (percent === undefined) {
    return '—';
  }
  return `${Math.floor(Math.min(100, Math.max(0, percent)))}%`;
}

const partialBlocks = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;

/** A progress bar of exactly `width` cells, in eighths of a cell. */
export function renderBar(percent: number | undefined, width: number): string {
  const fraction = Math.min(1, Math.max(0, (percent ?? 0) / 100));
  const eighths = Math.floor(fraction * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = full < width ? (partialBlocks[eighths % 8] ?? '') : '';
  const used = full + (partial ? 1 : 0);
  return '█'.repeat(full) + partial + '░'.repeat(width - used);
}

function diskName(disk: DiskProgress): string {
  return lastSegment(disk.id) ?? disk.id;
}

function region(copy: CopyDocument): string {
  return copy.targetRegion ?? '—';
}

/** The reason a copy ended without a usable target, in one line; undefined when it did not. */
export function outcomeReason(copy: CopyDocument): string | undefined {
  const { error } = copy;
  if (error) {
    const label = [error.category, error.code].filter((part) => part !== undefined).join(' · ');
    const message = error.message ?? '';
    return [label, message].filter((part) => part.length > 0).join(': ') || undefined;
  }
  return copy.reason;
}

/**
 * Lines for the answer of `POST /api/copies`.
 *
 * @param cli how the user runs the CLI (`rpcopy`, `npx rpcopy`), for the hint to follow the copies.
 */
export function renderCreatedCopies(page: CopyPage, sourceRestorePointId: string, cli = 'rpcopy'): string[] {
  const source = lastSegment(sourceRestorePointId) ?? sourceRestorePointId;
  if (page.copies.length === 0) {
    return [`No copies of ${source} were requested: the policy names no target region for it.`];
  }
  const noun = (count: number): string => (count === 1 ? 'copy' : 'copies');
  // The app starts every new copy (and every restart of an ended one) as Queued, so a copy in any other
  // status existed before this request, which started nothing for it.
  const existing = page.copies.filter((copy) => copy.status !== 'Queued').length;
  const heading =
    existing === page.copies.length
      ? `The ${page.copies.length === 1 ? 'copy' : `${page.copies.length} copies`} of restore point ${source} already ${page.copies.length === 1 ? 'exists' : 'exist'}; nothing new was started:`
      : existing > 0
        ? `Requested ${page.copies.length} ${noun(page.copies.length)} of restore point ${source}; ${existing} already existed and nothing new was started for ${existing === 1 ? 'it' : 'them'}:`
        : `Requested ${page.copies.length} ${noun(page.copies.length)} of restore point ${source}:`;
  const rows = page.copies.map((copy) => [copy.id, region(copy), copy.status, copy.statusUrl ?? '—']);
  const first = page.copies[0];
  return [
    heading,
    ...renderTable(['ID', 'REGION', 'STATUS', 'STATUS URL'], rows),
    ...(first
      ? [`Follow progress with: ${cli} watch ${page.copies.length === 1 ? first.id : ''}`.trimEnd()]
      : []),
  ];
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) =>
    Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ''))),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : padEnd(cell, widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

/** Lines for `GET /api/copies`. */
export function renderCopyList(copies: readonly CopyDocument[]): string[] {
  if (copies.length === 0) {
    return ['No copies found.'];
  }
  const rows = copies.map((copy) => [
    copy.id,
    copy.status,
    region(copy),
    isEnded(copy.status) && copy.status !== 'Succeeded' ? '—' : formatPercent(copy.progress?.percent),
    lastSegment(copy.sourceRestorePointId) ?? '—',
    copy.createdAt ?? '—',
  ]);
  return renderTable(['ID', 'STATUS', 'REGION', 'PROGRESS', 'SOURCE RESTORE POINT', 'CREATED'], rows);
}

function diskLines(copy: CopyDocument, columns: number, style: RenderStyle, indent: string): string[] {
  const disks = copy.progress?.disks ?? [];
  if (disks.length === 0) {
    return [];
  }
  const percentWidth = 4;
  const statusWidth = 11;
  const minimumBar = 10;
  const usable = columns - 1;
  const longestName = Math.max(...disks.map((disk) => diskName(disk).length));
  // Names give way first, so the bar and the percent always fit; the status word goes when nothing is left.
  const nameWidth = Math.min(
    24,
    longestName,
    Math.max(6, usable - 1 - indent.length - 2 - minimumBar - 2 - percentWidth),
  );
  const beforeStatus = indent.length + nameWidth + 2 + 2 + percentWidth;
  const barWidth = Math.min(40, Math.max(minimumBar, usable - beforeStatus - 2 - statusWidth));
  const showStatus = beforeStatus + barWidth + 2 + statusWidth <= usable;
  return disks.map((disk) => {
    const name = padEnd(truncateVisible(diskName(disk), nameWidth), nameWidth);
    const percent = formatPercent(disk.percent).padStart(percentWidth);
    const bar = renderBar(disk.percent, barWidth);
    const status = showStatus && disk.status ? paintStatus(disk.status, style) : '';
    return `${indent}${name}  ${bar}  ${percent}  ${status}`.trimEnd();
  });
}

/** Percent, ETA, a stall and usability, as far as they mean something for the copy's status. */
function progressParts(copy: CopyDocument, style: RenderStyle): string[] {
  const parts: string[] = [];
  const showsPercent = copy.status === 'Succeeded' || (!isEnded(copy.status) && copy.status !== 'Queued');
  if (showsPercent && copy.progress?.percent !== undefined) {
    parts.push(formatPercent(copy.progress.percent));
  }
  if (!isEnded(copy.status) && copy.progress?.etaSeconds !== undefined) {
    parts.push(formatEtaPart(copy.progress.etaSeconds, style));
  }
  if (!isEnded(copy.status) && copy.progress?.stalled) {
    parts.push('progress stalled');
  }
  if (copy.usable === true) {
    parts.push('usable');
  }
  return parts;
}

function summary(copy: CopyDocument, style: RenderStyle): string {
  return [paintStatus(copy.status, style), ...progressParts(copy, style)].join(' · ');
}

/** Whether the target can restore a VM, in words, when the API says. */
function usableText(copy: CopyDocument): string | undefined {
  if (copy.usable === true) {
    return 'yes: every disk has replicated; the target can restore a VM';
  }
  if (copy.usable === false) {
    return isEnded(copy.status) ? 'no: the copy ended without a usable target' : 'not yet';
  }
  return undefined;
}

/** Lines for `GET /api/copies/{id}`. */
export function renderCopyDetails(
  copy: CopyDocument,
  columns = 80,
  style: RenderStyle = plainStyle,
): string[] {
  const field = (label: string, value: string): string => `${label.padEnd(12)}${value}`;
  const withRegion = (id: string | undefined, regionName: string | undefined): string =>
    `${id ?? '—'}${regionName ? ` (${regionName})` : ''}`;
  const lines = [
    field('Copy', copy.id),
    field('Status', summary(copy, style)),
    field('Source', withRegion(copy.sourceRestorePointId, copy.sourceRegion)),
    field('Target', withRegion(copy.targetRestorePointId, copy.targetRegion)),
    field('Created', formatTime(copy.createdAt, style)),
    field('Started', formatTime(copy.startedAt, style)),
    field('Completed', formatTime(copy.completedAt, style)),
  ];
  const usable = usableText(copy);
  if (usable !== undefined) {
    lines.splice(2, 0, field('Usable', usable));
  }
  const disks = diskLines(copy, columns, style, '  ');
  if (disks.length > 0) {
    lines.push('Disks', ...disks);
  }
  const reason = outcomeReason(copy);
  if (reason !== undefined && (copy.error !== undefined || copy.status === 'Skipped')) {
    lines.push(field(copy.error ? 'Error' : 'Reason', reason));
  }
  if (copy.error?.suggestion) {
    lines.push(field('Suggestion', copy.error.suggestion));
  }
  if (copy.note) {
    lines.push(field('Note', copy.note));
  }
  return lines;
}

export interface WatchFrameOptions {
  columns: number;
  style: RenderStyle;
  /** What is watched and where, e.g. `copy abc at http://localhost:7071/api/`. */
  title: string;
  /** A transient problem to show, e.g. a failed poll that will be retried. */
  notice?: string;
  /** Shown when nothing is watched yet. */
  emptyText?: string;
}

/** One full screen of `watch` in a terminal: per copy a summary line, then a bar per disk. */
export function renderWatchFrame(copies: readonly CopyDocument[], options: WatchFrameOptions): string[] {
  const { style } = options;
  const lines = [paint(options.title, ansi.bold, style)];
  if (copies.length === 0 && options.emptyText) {
    lines.push(options.emptyText);
  }
  for (const copy of copies) {
    const source = lastSegment(copy.sourceRestorePointId);
    const route = source ? `${source} → ${region(copy)}` : region(copy);
    lines.push('', `${copy.id}  ${route}  ${summary(copy, style)}`);
    lines.push(...diskLines(copy, options.columns, style, '  '));
    if (copy.status === 'Replicating' && (copy.progress?.disks.length ?? 0) === 0) {
      lines.push(paint('  waiting for the first disk progress', ansi.dim, style));
    }
    const reason = isEnded(copy.status) && copy.status !== 'Succeeded' ? outcomeReason(copy) : undefined;
    if (reason !== undefined) {
      lines.push(`  ${paint(reason, ansi.red, style)}`);
    }
    if (reason !== undefined && copy.error?.suggestion) {
      lines.push(`  ${copy.error.suggestion}`);
    }
    if (copy.status === 'Succeeded' && copy.note) {
      lines.push(`  ${copy.note}`);
    }
  }
  if (options.notice) {
    lines.push('', paint(options.notice, ansi.yellow, style));
  }
  return lines.map((line) => truncateVisible(line, Math.max(20, options.columns - 1)));
}

/** One log line of `watch` when stdout is not a terminal; printed whenever it differs from the last. */
export function renderPlainLine(copy: CopyDocument, style: RenderStyle = plainStyle): string {
  let line = [copy.id, region(copy), copy.status, ...progressParts(copy, style)].join(' ');
  const disks = copy.progress?.disks ?? [];
  if (disks.length > 0 && !isEnded(copy.status)) {
    line += ` | ${disks.map((disk) => `${diskName(disk)} ${formatPercent(disk.percent)}`).join(', ')}`;
  }
  const reason = isEnded(copy.status) && copy.status !== 'Succeeded' ? outcomeReason(copy) : undefined;
  if (reason !== undefined) {
    line += ` | ${reason}`;
  }
  return line;
}

/** Lines for the answer of `POST /api/copies/{id}/cancel`; `cli` is how the user runs the CLI. */
export function renderCancelResult(id: string, copy: CopyDocument | undefined, cli = 'rpcopy'): string[] {
  // The API answers before the copy has stopped, so the status it sends is the one before cancelling.
  return [
    `Cancellation requested for copy ${id}${copy ? `; it was ${copy.status}` : ''}.`,
    `Follow it with: ${cli} watch ${id}`,
  ];
}
