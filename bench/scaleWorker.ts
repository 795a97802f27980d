import { measureScale } from './scale';

/**
 * One size of the scale benchmark in a process of its own: `node scaleWorker.js <copies> <real limit ms>`.
 * Progress goes to stderr; the last stdout line is the figures as JSON.
 */
async function main(): Promise<void> {
  const copies = Number(process.argv[2]);
  const realLimitMs = Number(process.argv[3]);
  if (!Number.isInteger(copies) || copies <= 0 || !(realLimitMs > 0)) {
    throw new Error('usage: scaleWorker.js <copies> <real limit in ms>');
  }
  const figures = await measureScale({
    copies,
    realLimitMs,
    progress: (line) => process.stderr.write(`   [${copies}] ${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
