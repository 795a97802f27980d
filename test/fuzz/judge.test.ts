import { describe, expect, it } from 'vitest';
import { UsageError } from '../../dev/stack/args';
import { parseFuzzArgs } from '../../dev/fuzz/main';
import { judge, newTally, record, renderTally, type FuzzExchange } from '../../dev/fuzz/judge';
import { nextRequest } from '../../dev/fuzz/requests';
import { seededRandom } from '../../dev/compute-sim/faultPlan';

function exchange(extra: Partial<FuzzExchange> & { text?: string }): FuzzExchange {
  const body = Buffer.from(extra.text ?? '');
  return {
    route: 'POST /api/copies',
    attack: 'test',
    authorized: true,
    status: 400,
    contentType: 'application/json',
    body,
    bodyBytes: body.length,
    ...extra,
  };
}

const shaped = JSON.stringify({ error: { code: 'InvalidRequest', message: 'The body is not JSON.' } });

describe('fuzz judge', () => {
  it('accepts shaped errors, successes within limits and the host’s empty 401 and 404', () => {
    expect(judge(exchange({ text: shaped }))).toEqual([]);
    expect(judge(exchange({ status: 202, text: '{"copies":[]}' }))).toEqual([]);
    expect(judge(exchange({ status: 401, authorized: false }))).toEqual([]);
    expect(judge(exchange({ status: 404, route: 'other method or path under /api' }))).toEqual([]);
    expect(judge(exchange({ route: 'POST Event Grid webhook', text: '{"Message":"bad"}' }))).toEqual([]);
  });

  it('flags 5xx, unshaped or empty errors, oversized answers and the spoofed Host', () => {
    expect(judge(exchange({ status: 500, text: shaped }))).toEqual(['500 answer']);
    expect(judge(exchange({ status: 0 }))).toEqual(['no answer (connection closed)']);
    expect(judge(exchange({ text: '{"Message":"x"}' }))).toEqual([
      'an error body not shaped {"error":{"code","message"}}',
    ]);
    expect(judge(exchange({ status: 413 }))).toEqual(['an empty 413 answer']);
    const huge = JSON.stringify({ error: { code: 'InvalidRegion', message: 'x'.repeat(5000) } });
    expect(judge(exchange({ text: huge }))).toEqual([
      `a ${huge.length}-byte answer, over its 4096-byte limit`,
    ]);
    expect(
      judge(exchange({ status: 202, text: '{"copies":[{"statusUrl":"http://EVIL.example/api/copies/x"}]}' })),
    ).toEqual(['the answer points at the spoofed Host evil.example']);
  });

  it('counts statuses per route and groups problems by kind', () => {
    const tally = newTally();
    record(tally, exchange({ text: shaped }));
    record(tally, exchange({ status: 500, text: shaped, attack: 'deep' }));
    record(tally, exchange({ status: 503, route: 'GET /api/copies', attack: 'top' }));
    const text = renderTally(tally);
    expect(text).toContain('POST /api/copies                        2  400×1 500×1');
    expect(text).toContain('GET /api/copies                         1  503×1');
    expect(text).toContain('all                                     3  5xx×2');
    expect(text).toContain('problem ×2: N answer\n  e.g. POST /api/copies (deep) → 500: 500 answer');
  });
});

describe('fuzz requests and arguments', () => {
  it('draws the same requests from the same seed, and covers every route', () => {
    const targets = {
      functionKey: 'k',
      webhookPath: '/hook?code=c',
      sourceRestorePointIds: ['/rp'],
      copyIds: () => [],
    };
    const draw = (seed: number): string[] => {
      const random = seededRandom(seed);
      return Array.from({ length: 60 }, () => {
        const request = nextRequest(random, targets);
        return `${request.route} ${request.method} ${request.path.slice(0, 40)} ${request.body?.length ?? 0}`;
      });
    };
    const first = draw(5);
    expect(draw(5)).toEqual(first);
    expect(new Set(first.map((line) => line.split(' ').slice(0, 2).join(' '))).size).toBeGreaterThan(4);
    expect(first.some((line) => line.startsWith('POST Event Grid webhook'))).toBe(true);
  });

  it('parses its bounds and refuses bad ones', () => {
    expect(parseFuzzArgs([])).toEqual({ seed: 1, count: 3000, seconds: 180, concurrency: 4 });
    expect(parseFuzzArgs(['--count=10', '--seconds', '5', '--seed', '3'])).toEqual({
      seed: 3,
      count: 10,
      seconds: 5,
      concurrency: 4,
    });
    expect(parseFuzzArgs(['--help'])).toBe('help');
    expect(() => parseFuzzArgs(['--count', '0'])).toThrow(
      new UsageError("--count must be an integer from 1 to 1000000, got '0'"),
    );
    expect(() => parseFuzzArgs(['--host', 'x'])).toThrow(new UsageError("unknown option '--host'"));
  });
});
