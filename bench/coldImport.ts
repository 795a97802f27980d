import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * How long a cold start spends importing the app's function modules, against a hello-world durable app on
 * the same two packages (`@azure/functions`, `durable-functions`), each in a fresh Node process. The two are
 * interleaved and the medians compared, so that machine noise hits both alike.
 */
export interface ColdImportResult {
  appMs: number;
  helloMs: number;
  appModules: number;
  helloModules: number;
}

const ROOT = path.join(__dirname, '..', '..');

/** Requires the files in a fresh process; prints milliseconds and how many modules were loaded. */
const PROBE = `
const { performance } = require('node:perf_hooks');
const files = JSON.parse(process.argv[1]);
const started = performance.now();
for (const file of files) require(file);
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ ms, modules: Object.keys(require.cache).length }));
`;

function probe(files: string[]): { ms: number; modules: number } {
  const output = execFileSync(process.execPath, ['-e', PROBE, JSON.stringify(files)], {
    cwd: ROOT,
    encoding: 'utf8',
    // Outside a Functions host the library warns about test mode on stderr; not a finding.
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(output) as { ms: number; modules: number };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function measureColdImport(rounds = 9): ColdImportResult {
  const functionsDir = path.join(ROOT, 'dist', 'src', 'functions');
  const appFiles = readdirSync(functionsDir)
    .filter((name) => name.endsWith('.js'))
    .map((name) => path.join(functionsDir, name));
  const helloFiles = [path.join(ROOT, 'bench', 'apps', 'hello', 'index.js')];
  const app: { ms: number; modules: number }[] = [];
  const hello: { ms: number; modules: number }[] = [];
  // One unmeasured round each warms the file system cache.
  probe(appFiles);
  probe(helloFiles);
  for (let round = 0; round < rounds; round++) {
    app.push(probe(appFiles));
    hello.push(probe(helloFiles));
  }
  return {
    appMs: median(app.map((run) => run.ms)),
    helloMs: median(hello.map((run) => run.ms)),
    appModules: app[0]?.modules ?? 0,
    helloModules: hello[0]?.modules ?? 0,
  };
}
