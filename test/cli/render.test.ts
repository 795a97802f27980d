import { describe, expect, it } from 'vitest';
import { toCopyDocument, toCopyPage } from '../../src/cli/copyDocument';
import { parseCommandLine } from '../../src/cli/parseCommandLine';
import { LiveFrame } from '../../src/cli/liveFrame';
import {
  formatEta,
  formatPercent,
  renderBar,
  renderPlainLine,
  renderWatchFrame,
  truncateVisible,
  visibleLength,
} from '../../src/cli/render';
import { COPY_STATUSES } from '../../src/domain/copyDocument';
import { copyDocument } from './support/copies';

describe('formatEta', () => {
  it.each([
    { seconds: undefined, text: '—' },
    { seconds: -5, text: '—' },
    { seconds: 0, text: '0s' },
    { seconds: 59.4, text: '59s' },
    { seconds: 60, text: '1m 00s' },
    { seconds: 754, text: '12m 34s' },
    { seconds: 3600, text: '1h 00m' },
    { seconds: 11_220, text: '3h 07m' },
    { seconds: 86_400, text: '1d 00h' },
    { seconds: 187_200, text: '2d 04h' },
  ])('shows $seconds seconds as $text', ({ seconds, text }) => {
    expect(formatEta(seconds)).toBe(text);
  });
});

describe('formatPercent', () => {
  it.each([
    { percent: undefined, text: '—' },
    { percent: 0, text: '0%' },
    { percent: 99.6, text: '99%' },
    { percent: 100, text: '100%' },
    { percent: 130, text: '100%' },
    { percent: -1, text: '0%' },
  ])('shows $percent as $text', ({ percent, text }) => {
    expect(formatPercent(percent)).toBe(text);
  });
});

describe('renderBar', () => {
  it.each([
    { percent: 0, bar: '░░░░░░░░░░' },
    { percent: 50, bar: '█████░░░░░' },
    { percent: 55, bar: '█████▌░░░░' },
    { percent: 99.9, bar: '█████████▉' },
    { percent: 100, bar: '██████████' },
    { percent: undefined, bar: '░░░░░░░░░░' },
  ])('draws $percent% in 10 cells as $bar', ({ percent, bar }) => {
    expect(renderBar(percent, 10)).toBe(bar);
  });
});

describe('truncateVisible', () => {
  it('cuts plain text with an ellipsis', () => {
    expect(truncateVisible('abcdefghij', 5)).toBe('abcd…');
  });

  it('keeps escape sequences whole and does not count them', () => {
    const text = '\u001b[32mSucceeded\u001b[0m and more';

    const cut = truncateVisible(text, 6);

    expect(cut).toBe('\u001b[32mSucce…\u001b[0m');
    expect(visibleLength(cut)).toBe(6);
  });

  it('leaves short text alone', () => {
    expect(truncateVisible('\u001b[1mok\u001b[0m', 2)).toBe('\u001b[1mok\u001b[0m');
  });
});

describe('renderWatchFrame', () => {
  it('fits every line to a narrow terminal', () => {
    const copy = copyDocument('rp-20261125-1700-westus2', 'westus2', 'Replicating', [
      ['osdisk-with-a-very-long-name-indeed', 33],
    ]);

    const lines = renderWatchFrame([copy], { columns: 40, style: { color: false }, title: 'rpcopy watch' });

    expect(lines).toEqual([
      'rpcopy watch',
      '',
      'rp-20261125-1700-westus2  rp-20261125-…',
      '  osdisk-with-a-ver…  ███▎░░░░░░   33%',
    ]);
    expect(lines.every((line) => visibleLength(line) <= 39)).toBe(true);
  });

  it('shows why a copy ended without a target, and the suggestion', () => {
    const copy = copyDocument('c1', 'westus2', 'Skipped', [], {
      sourceRestorePointId: undefined,
      error: {
        category: 'ordering',
        message: 'A newer restore point is already copied.',
        suggestion: 'Nothing to do.',
      },
    });
    delete copy.sourceRestorePointId;

    const lines = renderWatchFrame([copy], {
      columns: 100,
      style: { color: false },
      title: 't',
      notice: 'retrying',
    });

    expect(lines).toEqual([
      't',
      '',
      'c1  westus2  Skipped',
      '  ordering: A newer restore point is already copied.',
      '  Nothing to do.',
      '',
      'retrying',
    ]);
  });
});

describe('renderPlainLine', () => {
  it('uses the reason field of a skipped copy when there is no error', () => {
    expect(
      renderPlainLine({ id: 'c1', status: 'Skipped', targetRegion: 'westus2', reason: 'copy-of-copy' }),
    ).toBe('c1 westus2 Skipped | copy-of-copy');
  });

  it('shows a status it does not know as in progress', () => {
    expect(renderPlainLine({ id: 'c1', status: 'Verifying', progress: { percent: 80, disks: [] } })).toBe(
      'c1 — Verifying 80%',
    );
  });
});

describe('reading API documents', () => {
  it('keeps well-typed fields, drops nulls and wrong types, and names disks by their ARM id', () => {
    const copy = toCopyDocument(
      {
        id: 'c1',
        status: 'Replicating',
        targetRegion: 'westus2',
        completedAt: null,
        error: null,
        progress: {
          percent: '12',
          etaSeconds: 60,
          disks: [{ id: '/a/b/osdisk', percent: 12 }, { percent: 3 }, 'x'],
        },
        extra: { ignored: true },
      },
      'GET /api/copies/c1',
    );

    expect(copy).toEqual({
      id: 'c1',
      status: 'Replicating',
      targetRegion: 'westus2',
      progress: { etaSeconds: 60, disks: [{ id: '/a/b/osdisk', percent: 12 }] },
    });
  });

  it('accepts every status the app has in list --status, in any casing', () => {
    // Act
    const parsed = COPY_STATUSES.map(
      (status) => parseCommandLine(['list', '--status', status.toUpperCase()], {}).command,
    );

    // Assess
    expect(parsed).toEqual(COPY_STATUSES.map((status) => ({ name: 'list', status, all: false })));
  });

  it('rejects a page without a copies array', () => {
    expect(() => toCopyPage({ items: [] }, 'GET /api/copies')).toThrow(
      'GET /api/copies: expected an object with a "copies" array',
    );
  });
});

describe('LiveFrame', () => {
  it('moves up over the previous frame, skips an unchanged one, clears what is left below, and shows the cursor once on close', () => {
    let written = '';
    const frame = new LiveFrame({ write: (text: string) => (written += text) }, () => 24);

    frame.draw(['a', 'b', 'c']);
    frame.draw(['a', 'b', 'c']);
    frame.draw(['d']);
    frame.close();
    frame.close();

    expect(written).toBe(
      '\u001b[?25l\u001b[2Ka\n\u001b[2Kb\n\u001b[2Kc\n\u001b[J' +
        '\r\u001b[3A\u001b[2Kd\n\u001b[J' +
        '\u001b[?25h',
    );
  });

  it('cuts a frame taller than the terminal, so the next one can still reach its top', () => {
    let written = '';
    const frame = new LiveFrame({ write: (text: string) => (written += text) }, () => 4);

    frame.draw(['1', '2', '3', '4', '5', '6']);
    frame.draw(['x']);

    expect(written).toBe(
      '\u001b[?25l\u001b[2K1\n\u001b[2K2\n\u001b[2K… 4 more lines: enlarge the terminal to see them\n\u001b[J' +
        '\r\u001b[3A\u001b[2Kx\n\u001b[J',
    );
  });
});
