// First: on an old Node.js, exit with one clear line before anything that needs Node.js 22 loads.
import './nodeVersionGuard';
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { RealClock } from '../clock';
import { CopyApiClient } from '../../src/cli/copyApiClient';
import { FaultPlanFileError, readFaultPlanFile } from '../compute-sim/faultPlan';
import type { FaultRule } from '../compute-sim';
import { parseStackArgs, showsSummary, USAGE, UsageError, type StackArgs } from './args';
import { savedClockTime, STACK_FILES, startStack, writeReadyFile, type Stack } from './stack';
import { LiveSummary } from './summary';

/** `npm start`: parses the command line, runs the stack on an accelerated real clock, stops on a signal. */

const HOUR_MS = 3_600_000;

function displayPath(path: string): string {
  const fromHere = relative(process.cwd(), path);
  return fromHere.startsWith('..') || fromHere === '' ? path : fromHere;
}

function banner(stack: Stack, args: StackArgs): string {
  const keyFile = displayPath(resolve(stack.dataDir, STACK_FILES.functionKey));
  const urlPart = stack.ready.appUrl.endsWith(':7071') ? '' : `RPCOPY_URL=${stack.ready.appUrl} `;
  // The CLI then labels ETAs and times as simulated, and converts ETAs to real time.
  const speedPart = args.speed === 1 ? '' : `RPCOPY_SIMULATED_SPEED=${args.speed} `;
  const lines = [
    `rpcopy is running offline${stack.resumed ? ', resumed from its saved state' : ''}.`,
    `  API           ${stack.ready.appUrl}/api/copies (function key in ${keyFile})`,
    `  Dashboard     ${stack.ready.appUrl}/api/dashboard?code=<key in ${keyFile}>`,
    `  Watch copies  ${urlPart}${speedPart}RPCOPY_KEY="$(cat ${keyFile})" npx rpcopy watch`,
    `  Events        ${stack.ready.eventSinkUrl}/events (header aeg-sas-key: the key in ${displayPath(resolve(stack.dataDir, STACK_FILES.eventSinkKey))})`,
    `  Azure (sim)   ${stack.ready.armEndpoint}${stack.ready.caCertificatePath ? ` (CA: ${displayPath(stack.ready.caCertificatePath)})` : ''}`,
    `  Source        ${stack.ready.sourceCollectionId}`,
    `  State         ${displayPath(stack.dataDir)} (logs in ${displayPath(resolve(stack.dataDir, STACK_FILES.hostLog))})`,
    `  Time          simulated, ${args.speed}× real time; ETAs and times on screen are simulated, host.log shows both`,
    `  Schedule      a new source restore point every ${args.restorePointHours} simulated hours`,
  ];
  if (args.restorePointHours === 0) {
    lines.pop();
  }
  if (args.faultsFile !== undefined) {
    lines.push(`  Faults        injected from ${args.faultsFile}`);
  }
  return `${lines.join('\n')}\nCtrl-C stops and saves; npm start resumes.\n\n`;
}

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseStackArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    process.stderr.write(`npm start: ${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { args } = parsed;
  let faults: FaultRule[] | undefined;
  try {
    if (args.faultsFile !== undefined) {
      faults = readFaultPlanFile(args.faultsFile);
    }
  } catch (error) {
    if (!(error instanceof FaultPlanFileError)) {
      throw error;
    }
    process.stderr.write(`npm start: ${error.message}\n`);
    return 2;
  }
  const live = showsSummary(args, { stdout: process.stdout.isTTY, stdin: process.stdin.isTTY });
  const dataDir = resolve(args.dataDir);
  const readyFile = args.readyFile === undefined ? undefined : resolve(args.readyFile);
  if (readyFile) {
    rmSync(readyFile, { force: true });
  }

  const clock = new RealClock({ start: savedClockTime(dataDir) ?? Date.now(), speed: args.speed });
  const notices: string[] = [];
  const stopController = new AbortController();
  const onSignal = (): void => {
    if (stopController.signal.aborted) {
      process.stderr.write('Stopping already; press Ctrl-C once more to abandon without saving.\n');
      process.once('SIGINT', () => process.exit(130));
      return;
    }
    stopController.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let stack: Stack;
  try {
    stack = await startStack({
      clock,
      dataDir,
      ...(args.port !== undefined ? { port: args.port } : {}),
      restorePointIntervalMs: args.restorePointHours * HOUR_MS,
      ...(faults !== undefined ? { simulator: { faults } } : {}),
      ...(args.armEventsTo !== undefined ? { events: { url: args.armEventsTo } } : {}),
      onNotice: (message) => {
        notices.splice(0, notices.length, message);
        if (!live) {
          process.stderr.write(`${message}\n`);
        }
      },
    });
  } catch (error) {
    clock.dispose();
    process.stderr.write(`npm start: the local stack could not start: ${(error as Error).message}\n`);
    return 1;
  }

  if (readyFile) {
    writeReadyFile(readyFile, stack.ready);
  }
  process.stdout.write(banner(stack, args));

  const summary = !live
    ? undefined
    : new LiveSummary({
        client: new CopyApiClient({ baseUrl: new URL(stack.ready.appUrl), key: stack.ready.functionKey }),
        status: () => ({
          now: clock.now(),
          speed: args.speed,
          ...(stack.nextRestorePointAt() !== undefined
            ? { nextRestorePointAt: stack.nextRestorePointAt() }
            : {}),
          notices,
        }),
        out: process.stdout,
        isTTY: process.stdout.isTTY,
        columns: () => process.stdout.columns || 100,
        rows: () => process.stdout.rows,
        style: {
          color: process.stdout.isTTY && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
          simulatedSpeed: args.speed,
        },
        // A terminal redraws smoothly; a log gets a line per change, checked every few seconds.
        intervalMs: process.stdout.isTTY ? 500 : 2000,
      });
  summary?.start();

  if (!stopController.signal.aborted) {
    await new Promise<void>((resolveStop) =>
      stopController.signal.addEventListener('abort', () => resolveStop(), { once: true }),
    );
  }
  await summary?.stop();
  process.stdout.write('\nStopping: saving the state…\n');
  await stack.close();
  clock.dispose();
  if (readyFile) {
    rmSync(readyFile, { force: true });
  }
  process.stdout.write(`Stopped. State saved in ${displayPath(dataDir)}; npm start resumes every copy.\n`);
  return 0;
}

/**
 * Runs `npm start` to its end and sets the exit code; dev/stack/start.js calls it after checking the flags and
 * building, and `node dist/dev/stack/main.js` runs it directly.
 */
export function runFromCommandLine(argv: readonly string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // Everything is closed and saved by now; a stray handle (a keep-alive socket) must not hold the exit.
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (error: unknown) => {
      process.stderr.write(
        `npm start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exitCode = 1;
    },
  );
}

if (require.main === module) {
  runFromCommandLine(process.argv.slice(2));
}
