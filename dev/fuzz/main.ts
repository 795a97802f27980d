import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../clock';
import { readFlags, UsageError } from '../stack/args';
import { seededRandom } from '../compute-sim/faultPlan';
import type { LogEntry } from '../host';
import { startStack, type Stack } from '../stack/stack';
import { newTally, record, renderTally, type FuzzExchange } from './judge';
import { nextRequest, type FuzzRequest } from './requests';
import { runScript } from '../runScript';

/**
 * `npm run fuzz`: hostile requests against every route of the app and the dev host's Event Grid webhook,
 * on the local stack in this process, bound to 127.0.0.1. Seeded, and bounded by a count and a time.
 */

export const FUZZ_USAGE = `Usage: npm run fuzz -- [options]

Sends seeded hostile requests (malformed, huge, deeply nested, type-confused bodies; odd queries and ids;
a spoofed Host; wrong methods and keys) to every route of the app and to the Event Grid webhook of the
local stack, on 127.0.0.1. Prints the status counts per route; exits 1 on any 5xx, any error body not
shaped {"error":{"code","message"}}, any oversized answer or any answer pointing at the spoofed Host.

Options:
  --seed <integer>      seed of every random choice (default 1)
  --count <n>           requests to send at most (default 3000)
  --seconds <n>         real seconds to send for at most (default 180)
  --concurrency <n>     requests in flight at once (default 4)
  -h, --help            show this help`;

export interface FuzzOptions {
  seed: number;
  count: number;
  seconds: number;
  concurrency: number;
}

export function parseFuzzArgs(argv: readonly string[]): FuzzOptions | 'help' {
  const options: FuzzOptions = { seed: 1, count: 3000, seconds: 180, concurrency: 4 };
  const limits: Record<string, [keyof FuzzOptions, number, number]> = {
    '--seed': ['seed', 0, 2 ** 32 - 1],
    '--count': ['count', 1, 1_000_000],
    '--seconds': ['seconds', 1, 86_400],
    '--concurrency': ['concurrency', 1, 64],
  };
  const flags = readFlags(argv, { valued: new Set(Object.keys(limits)) });
  if (flags === 'help') {
    return 'help';
  }
  for (const [flag, [field, min, max]] of Object.entries(limits)) {
    const text = flags.values.get(flag);
    if (text === undefined) {
      continue;
    }
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
    }
    options[field] = value;
  }
  return options;
}

/** Answers are read up to this much; the rest is counted, not kept. */
const KEEP_BYTES = 2 * 1024 * 1024;

function send(baseUrl: URL, fuzz: FuzzRequest): Promise<FuzzExchange> {
  return new Promise((resolve) => {
    const done = (status: number, contentType: string, chunks: Buffer[], bodyBytes: number): void =>
      resolve({
        route: fuzz.route,
        attack: fuzz.attack,
        authorized: fuzz.authorized,
        status,
        contentType,
        body: Buffer.concat(chunks),
        bodyBytes,
      });
    let answered = false;
    const req = request(
      {
        host: '127.0.0.1',
        port: baseUrl.port,
        method: fuzz.method,
        path: fuzz.path,
        headers: { ...fuzz.headers, ...(fuzz.body ? { 'content-length': String(fuzz.body.length) } : {}) },
        timeout: 60_000,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          if (bytes < KEEP_BYTES) {
            chunks.push(chunk);
          }
          bytes += chunk.length;
        });
        res.on('end', () =>
          done(res.statusCode ?? 0, String(res.headers['content-type'] ?? ''), chunks, bytes),
        );
        res.on('error', () => done(res.statusCode ?? 0, '', chunks, bytes));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    // A server may answer and close before the whole body is sent; only a request without an answer fails.
    req.on('error', () => {
      if (!answered) {
        done(0, '', [], 0);
      }
    });
    req.end(fuzz.body);
  });
}

async function fuzz(options: FuzzOptions, stack: Stack): Promise<number> {
  const random = seededRandom(options.seed);
  const baseUrl = new URL(stack.ready.appUrl);
  if (baseUrl.hostname !== '127.0.0.1') {
    throw new Error(`the app is not on loopback: ${baseUrl.href}`);
  }
  const webhook = new URL(stack.webhookUrl);
  const source = await stack.createSourceRestorePoint('fuzz-rp-1');
  const copyIds: string[] = [];
  const targets = {
    functionKey: stack.ready.functionKey,
    webhookPath: `${webhook.pathname}${webhook.search}`,
    sourceRestorePointIds: [source, `${source.slice(0, -1)}2`],
    copyIds: () => copyIds,
  };
  const tally = newTally();
  const deadline = Date.now() + options.seconds * 1000;
  let sent = 0;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (sent < options.count && Date.now() < deadline) {
        sent++;
        const exchange = await send(baseUrl, nextRequest(random, targets));
        record(tally, exchange);
        if (exchange.route === 'POST /api/copies' && exchange.status === 202 && copyIds.length < 50) {
          try {
            const body = JSON.parse(exchange.body.toString('utf8')) as { copies?: { id?: unknown }[] };
            for (const copy of body.copies ?? []) {
              if (typeof copy.id === 'string') {
                copyIds.push(copy.id);
              }
            }
          } catch {
            // Judged already; nothing to learn from it.
          }
        }
      }
    }),
  );
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(`rpcopy fuzz: seed ${options.seed}, ${tally.requests} requests in ${seconds} s\n`);
  process.stdout.write(`${renderTally(tally)}\n`);
  if (tally.problems.size > 0) {
    const total = [...tally.problems.values()].reduce((sum, entry) => sum + entry.count, 0);
    process.stdout.write(`FAIL: ${total} problems\n`);
    return 1;
  }
  process.stdout.write('PASS: no 5xx, every error shaped, nothing oversized, no spoofed Host\n');
  return 0;
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: FuzzOptions | 'help';
  try {
    options = parseFuzzArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    process.stderr.write(`npm run fuzz: ${error.message}\n\n${FUZZ_USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${FUZZ_USAGE}\n`);
    return 0;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'rpcopy-fuzz-'));
  const logFile = join(dataDir, 'host.log');
  const clock = new RealClock({ speed: 60 });
  let stack: Stack | undefined;
  let code = 1;
  try {
    stack = await startStack({
      clock,
      dataDir,
      port: 0,
      log: (entry: LogEntry) => {
        if (entry.level !== 'trace' && entry.level !== 'debug') {
          appendFileSync(
            logFile,
            `${entry.level} ${entry.functionName ?? ''} ${entry.message.slice(0, 2000)}\n`,
          );
        }
      },
    });
    code = await fuzz(options, stack);
    if (code !== 0) {
      process.stdout.write(`The app's log is kept in ${logFile}\n`);
    }
    return code;
  } finally {
    await stack?.close();
    clock.dispose();
    if (code === 0) {
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    }
  }
}

if (require.main === module) {
  runScript('fuzz', main);
}
