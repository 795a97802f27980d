import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CopyApiClient } from '../../src/cli/copyApiClient';
import type { CopyDocument } from '../../src/cli/copyDocument';
import { copiesToShow, LiveSummary, PlainSummary, renderStackFrame } from '../../dev/stack/summary';

const T0 = Date.UTC(2026, 0, 1, 4, 0);
const rp = (name: string): string =>
  `/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/restorePointCollections/c/restorePoints/${name}`;

function copy(id: string, status: string, extra: Partial<CopyDocument> = {}): CopyDocument {
  return {
    id,
    status,
    sourceRestorePointId: rp('rp-20260101-0000'),
    targetRegion: 'westus2',
    createdAt: `2026-01-01T00:0${id.length % 10}:00Z`,
    ...extra,
  };
}

const replicating = copy('c1', 'Replicating', {
  createdAt: '2026-01-01T00:01:00Z',
  progress: {
    percent: 42.5,
    etaSeconds: 1500,
    disks: [
      { id: 'demo-vm-os', status: 'Succeeded', percent: 100 },
      { id: 'demo-vm-data0', status: 'InProgress', percent: 50 },
      { id: 'demo-vm-data1', status: 'InProgress', percent: 20 },
    ],
  },
});

describe('live summary rendering', () => {
  it('keeps every copy in progress and only the last four ended ones', () => {
    const ended = [1, 2, 3, 4, 5].map((n) =>
      copy(`e${n}`, 'Succeeded', {
        createdAt: '2026-01-01T00:00:00Z',
        completedAt: `2026-01-01T0${n}:00:00Z`,
      }),
    );
    const queued = copy('q1', 'Queued', { createdAt: '2026-01-01T00:02:00Z' });
    expect(copiesToShow([queued, ...ended, replicating]).map((c) => c.id)).toEqual([
      'e2',
      'e3',
      'e4',
      'e5',
      'c1',
      'q1',
    ]);
  });

  it('draws a frame with the simulated time, the schedule and per-disk bars', () => {
    const lines = renderStackFrame(
      [replicating],
      { now: T0, speed: 60, nextRestorePointAt: T0 + 4 * 3_600_000, notices: [] },
      { columns: 100, style: { color: false } },
    );
    expect(lines.slice(0, 4)).toEqual([
      'rpcopy local stack · simulated 2026-01-01 04:00 UTC (a minute per real second) · Ctrl-C to stop',
      'Next source restore point at 2026-01-01 08:00 UTC.',
      '',
      'c1  rp-20260101-0000 → westus2  Replicating · 42% · ETA 25m 00s simulated (≈25s real)',
    ]);
    expect(lines.slice(4).map((line) => line.replace(/[█▏▎▍▌▋▊▉░]+/, '<bar>'))).toEqual([
      '  demo-vm-os     <bar>  100%  Succeeded',
      '  demo-vm-data0  <bar>   50%  InProgress',
      '  demo-vm-data1  <bar>   20%  InProgress',
    ]);
  });

  it('says what to expect before the first copy, and shows notices', () => {
    const lines = renderStackFrame(
      [],
      { now: T0, speed: 600, notices: ['restore point rp-x failed: boom'] },
      { columns: 200, style: { color: false } },
    );
    expect(lines).toEqual([
      'rpcopy local stack · simulated 2026-01-01 04:00 UTC (600× real speed) · Ctrl-C to stop',
      'No new source restore points are scheduled.',
      'No copies yet: they start when a source restore point is created.',
      '',
      'restore point rp-x failed: boom',
    ]);
  });

  it('prints a plain line only when a copy changed', () => {
    const plain = new PlainSummary();
    const status = { now: T0, speed: 60, notices: [] };
    const first = plain.lines([replicating], status);
    const repeat = plain.lines([replicating], status);
    const done = plain.lines(
      [{ ...replicating, status: 'Succeeded', progress: { percent: 100, disks: [] } }],
      {
        ...status,
        now: T0 + 60_000,
      },
    );
    expect({ first, repeat, done }).toEqual({
      first: [
        '[simulated 2026-01-01 04:00 UTC] c1 westus2 Replicating 42% ETA 25m 00s simulated (≈25s real) | demo-vm-os 100%, demo-vm-data0 50%, demo-vm-data1 20%',
      ],
      repeat: [],
      done: ['[simulated 2026-01-01 04:01 UTC] c1 westus2 Succeeded 100%'],
    });
  });
});

describe('live summary polling', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
  });

  async function api(copies: () => CopyDocument[]): Promise<CopyApiClient> {
    const seenKeys: unknown[] = [];
    server = createServer((request, response) => {
      seenKeys.push(request.headers['x-functions-key']);
      if (request.headers['x-functions-key'] !== 'k') {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { code: 'Unauthorized', message: 'no key' } }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ copies: copies() }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new CopyApiClient({ baseUrl: new URL(`http://127.0.0.1:${port}`), key: 'k' });
  }

  it('reads the copies through the HTTP API and writes change lines when not a terminal', async () => {
    // Prepare
    let current = [copy('c1', 'Queued')];
    const written: string[] = [];
    const summary = new LiveSummary({
      client: await api(() => current),
      status: () => ({ now: T0, speed: 60, notices: [] }),
      out: { write: (text: string) => written.push(text) },
      isTTY: false,
      columns: () => 80,
      rows: () => 24,
      style: { color: false },
      intervalMs: 60_000,
    });

    // Act
    await summary.refresh();
    current = [copy('c1', 'Failed', { error: { category: 'platform-failure', message: 'disk failed' } })];
    await summary.refresh();
    await summary.stop();
    await summary.refresh();

    // Assess
    expect(written).toEqual([
      '[simulated 2026-01-01 04:00 UTC] c1 westus2 Queued\n',
      '[simulated 2026-01-01 04:00 UTC] c1 westus2 Failed | platform-failure: disk failed\n',
    ]);
  });

  it('redraws in place on a terminal and turns a failed poll into a notice', async () => {
    const client = new CopyApiClient({
      baseUrl: new URL('http://127.0.0.1:9'),
      key: 'k',
      requestTimeoutMs: 2000,
    });
    const written: string[] = [];
    let now = T0;
    const summary = new LiveSummary({
      client,
      status: () => ({ now, speed: 60, notices: [] }),
      out: { write: (text: string) => written.push(text) },
      isTTY: true,
      columns: () => 200,
      rows: () => 24,
      style: { color: false },
      intervalMs: 60_000,
    });
    await summary.refresh();
    now += 60_000;
    await summary.refresh();
    await summary.stop();
    const frames = written.join('');
    expect(frames).toContain('2026-01-01 04:01 UTC');
    expect(frames).toContain('Could not read the copies: could not reach');
    expect(frames).toContain('\u001b[5A');
    expect(frames.endsWith('\u001b[?25h')).toBe(true);
  });
});
