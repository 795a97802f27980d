import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { MAX_CONCURRENT_COPIES, type ScaleFigures } from './scale';

export interface ScaleArgs {
  sizes: number[];
  realLimitMs: number;
  /** Directory for `--cpu-prof` profiles of each size's process, when profiling. */
  profileDir?: string;
}

const DEFAULT_SIZES = [100, 1_000, 10_000];
const DEFAULT_LIMIT_MINUTES = 30;

/** `scale [--sizes 100,1000] [--limit-minutes 30] [--cpu-prof <dir>]` */
export function parseScaleArgs(args: readonly string[]): ScaleArgs {
  const parsed: ScaleArgs = { sizes: DEFAULT_SIZES, realLimitMs: DEFAULT_LIMIT_MINUTES * 60_000 };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const value = args[i + 1];
    if (value === undefined) {
      throw new Error(`${flag ?? ''} needs a value`);
    }
    i += 1;
    if (flag === '--sizes') {
      parsed.sizes = value.split(',').map((text) => {
        const size = Number(text);
        if (!Number.isInteger(size) || size < 2 || size % 2 !== 0) {
          throw new Error(`--sizes: '${text}' is not an even number of copies of at least 2`);
        }
        return size;
      });
    } else if (flag === '--limit-minutes') {
      const minutes = Number(value);
      if (!(minutes > 0)) {
        throw new Error(`--limit-minutes: '${value}' is not a positive number`);
      }
      parsed.realLimitMs = minutes * 60_000;
    } else if (flag === '--cpu-prof') {
      parsed.profileDir = value;
    } else {
      throw new Error(`unknown option ${flag ?? ''}; use --sizes, --limit-minutes or --cpu-prof`);
    }
  }
  return parsed;
}

function runSize(copies: number, args: ScaleArgs): Promise<ScaleFigures> {
  const flags = args.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args.profileDir}`];
  const child = spawn(
    process.execPath,
    [...flags, '--no-warnings', join(__dirname, 'scaleWorker.js'), String(copies), String(args.realLimitMs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || last === undefined || last === '') {
        reject(new Error(`the ${copies}-copy run exited with ${String(code)}`));
        return;
      }
      resolve(JSON.parse(last) as ScaleFigures);
    });
  });
}

const ROWS: { label: string; value: (figures: ScaleFigures) => number; digits: number }[] = [
  { label: 'ARM GETs per copy', value: (f) => f.perCopy.armGets, digits: 1 },
  { label: 'ARM PUTs per copy', value: (f) => f.perCopy.armPuts, digits: 2 },
  { label: 'store reads per copy', value: (f) => f.perCopy.storeReads, digits: 0 },
  { label: 'store writes per copy', value: (f) => f.perCopy.storeWrites, digits: 0 },
  { label: 'entity operations per copy', value: (f) => f.perCopy.entityOperations, digits: 1 },
  { label: 'CPU ms per copy (stack process)', value: (f) => f.perCopy.cpuMs, digits: 0 },
  { label: 'history events per copy', value: (f) => f.perCopy.historyEvents, digits: 1 },
  // Null (NaN in JSON) when the run stopped before its copies ended.
  {
    label: 'reconcile GETs / collection / day',
    value: (f) => f.reconcileGetsPerCollectionPerDay ?? Number.NaN,
    digits: 1,
  },
];

function hours(ms: number): string {
  return `${(ms / 3_600_000).toFixed(2)} h`;
}

/** Runs each size in its own process and prints the figures, per copy, with the ratio largest / smallest. */
export async function runScaleBench(argv: readonly string[]): Promise<void> {
  const args = parseScaleArgs(argv);
  console.log(
    `Scale: ${args.sizes.join(', ')} copies through the local stack on a virtual clock, cap ${MAX_CONCURRENT_COPIES} ` +
      `per subscription and region, two target regions per collection, one 32 GB disk each; ` +
      `each size in its own process, stopped after ${args.realLimitMs / 60_000} real minutes`,
  );
  const results: ScaleFigures[] = [];
  for (const size of args.sizes) {
    const figures = await runSize(size, args);
    results.push(figures);
    const outcomes = Object.entries(figures.outcomes)
      .map(([status, count]) => `${count} ${status}`)
      .join(', ');
    console.log(
      `   ${size} copies: ${figures.finished ? 'all ended' : 'STOPPED at the real-time limit'} (${outcomes || 'none ended'}) ` +
        `in ${(figures.realMs / 1000).toFixed(0)} s real; makespan ${hours(figures.makespanMs)} simulated, ` +
        `cap implies ${hours(figures.impliedMakespanMs)} (${(figures.makespanMs / Math.max(1, figures.impliedMakespanMs)).toFixed(2)}x); ` +
        `peak RSS ${figures.peakRssMiB.toFixed(0)} MiB`,
    );
  }
  const first = results[0];
  const last = results.at(-1);
  if (first === undefined || last === undefined) {
    return;
  }
  const width = 36;
  console.log(
    `\n   ${'per copy'.padEnd(width)}${results.map((r) => String(r.copies).padStart(10)).join('')}` +
      `   ratio ${last.copies}/${first.copies} (goal <= 1.2)`,
  );
  for (const row of ROWS) {
    const base = row.value(first);
    const top = row.value(last);
    const ratio = base === 0 ? (top === 0 ? 1 : Number.POSITIVE_INFINITY) : top / base;
    const cell = (value: number): string => (Number.isFinite(value) ? value.toFixed(row.digits) : 'n/a');
    const verdict = !last.finished ? '  (unfinished)' : ratio <= 1.2 ? '' : '  MISSED';
    console.log(
      `   ${row.label.padEnd(width)}${results.map((r) => cell(row.value(r)).padStart(10)).join('')}` +
        `   ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a'}${verdict}`,
    );
  }
}
