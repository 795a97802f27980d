import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ApiError, ConnectionError, CopyApiClient } from './copyApiClient';
import { copyOutcome, InvalidResponseError } from './copyDocument';
import { commandHelpText, generalHelp, invocationName, packageName, shortUsage } from './help';
import type { TextSink } from './liveFrame';
import type { Command, GlobalOptions } from './parseCommandLine';
import { parseCommandLine, UsageError } from './parseCommandLine';
import type { RenderStyle } from './render';
import { renderCancelResult, renderCopyDetails, renderCopyList, renderCreatedCopies } from './render';
import { interruptedExitCode, watchCopies } from './watchCopies';
import { isProtectionCommand, runProtectionCommand } from './protectionCommand';

/** Everything the CLI touches outside itself; `main` fills what is left out from `process`. */
export interface CliIo {
  /** `columns`/`rows` size the bars and frames when present (a TTY stream has them). */
  stdout: TextSink & { columns?: number; rows?: number };
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  /** Live progress bars when true; plain lines otherwise. */
  isTTY: boolean;
  /** Aborting interrupts the command (Ctrl-C); `watch` then restores the terminal and returns 130. */
  signal?: AbortSignal;
  /** How `watch` waits between polls; a test or a virtual clock can replace it. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  fetch?: typeof fetch;
  /** How the user runs the CLI (`rpcopy`, `npx rpcopy`, `node bin/rpcopy.js`), for the hints it prints. */
  invokedAs: string;
}

export const exitCodes = {
  success: 0,
  copyUnsuccessful: 1,
  usage: 2,
  api: 3,
  interrupted: interruptedExitCode,
} as const;

function readVersion(): string {
  for (let directory = __dirname; ; directory = dirname(directory)) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
      if (
        typeof manifest === 'object' &&
        manifest !== null &&
        'name' in manifest &&
        manifest.name === packageName
      ) {
        return 'version' in manifest && typeof manifest.version === 'string' ? manifest.version : 'unknown';
      }
    } catch {
      // No package.json here; keep walking up.
    }
    if (dirname(directory) === directory) {
      return 'unknown';
    }
  }
}

async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (error) {
    if (!signal?.aborted) {
      throw error;
    }
  }
}

function writeLines(sink: TextSink, lines: readonly string[]): void {
  if (lines.length > 0) {
    sink.write(`${lines.join('\n')}\n`);
  }
}

function writeJson(sink: TextSink, value: unknown): void {
  sink.write(`${JSON.stringify(value, null, 2)}\n`);
}

function exitCodeForStatus(status: string): number {
  return copyOutcome(status) === 'unsuccessful' ? exitCodes.copyUnsuccessful : exitCodes.success;
}

// Over 80 lines only because it is one short case per command: the dispatch reads best as one switch.
async function runCommand(
  command: Exclude<Command, { name: 'help' } | { name: 'version' }>,
  global: GlobalOptions,
  client: CopyApiClient,
  io: CliIo,
): Promise<number> {
  const columns = (): number =>
    io.stdout.columns !== undefined && io.stdout.columns > 0 ? io.stdout.columns : 80;
  const style: RenderStyle = {
    color: io.isTTY && !io.env.NO_COLOR && io.env.TERM !== 'dumb',
    ...(global.simulatedSpeed !== undefined ? { simulatedSpeed: global.simulatedSpeed } : {}),
  };
  switch (command.name) {
    case 'copy': {
      const result = await client.createCopies(command.sourceRestorePointId, command.targetRegions);
      if (global.json) {
        writeJson(io.stdout, result.body);
      } else {
        writeLines(io.stdout, renderCreatedCopies(result.value, command.sourceRestorePointId, io.invokedAs));
      }
      return exitCodes.success;
    }
    case 'status': {
      const result = await client.getCopy(command.id);
      if (global.json) {
        writeJson(io.stdout, result.body);
      } else {
        writeLines(io.stdout, renderCopyDetails(result.value, columns(), style));
      }
      return exitCodeForStatus(result.value.status);
    }
    case 'list': {
      const filter = {
        ...(command.status !== undefined ? { status: command.status } : {}),
        ...(command.sourceRestorePointId !== undefined
          ? { sourceRestorePointId: command.sourceRestorePointId }
          : {}),
        ...(command.targetRegion !== undefined ? { targetRegion: command.targetRegion } : {}),
        ...(command.top !== undefined ? { top: command.top } : {}),
      };
      if (command.all) {
        const entries = await client.listAllCopies(filter);
        if (global.json) {
          writeJson(io.stdout, { copies: entries.map((entry) => entry.body) });
        } else {
          writeLines(io.stdout, renderCopyList(entries.map((entry) => entry.value)));
        }
        return exitCodes.success;
      }
      const result = await client.listCopies(filter);
      if (global.json) {
        writeJson(io.stdout, result.body);
        return exitCodes.success;
      }
      writeLines(io.stdout, renderCopyList(result.value.copies));
      if (result.value.continuationToken !== undefined || result.value.nextLink !== undefined) {
        io.stderr.write('More copies match: add --all to list every one.\n');
      }
      return exitCodes.success;
    }
    case 'watch':
      return watchCopies({
        client,
        ...(command.id !== undefined ? { id: command.id } : {}),
        follow: command.follow,
        intervalMs: command.intervalMs,
        json: global.json,
        stdout: io.stdout,
        stderr: io.stderr,
        isTTY: io.isTTY,
        columns,
        rows: () => io.stdout.rows,
        style,
        ...(io.signal !== undefined ? { signal: io.signal } : {}),
        sleep: io.sleep ?? sleepUnlessAborted,
      });
    case 'cancel': {
      const result = await client.cancelCopy(command.id);
      if (global.json) {
        if (result.body !== undefined) {
          writeJson(io.stdout, result.body);
        }
      } else {
        writeLines(io.stdout, renderCancelResult(command.id, result.value, io.invokedAs));
      }
      return exitCodes.success;
    }
  }
}

function reportApiFailure(error: unknown, global: GlobalOptions, client: CopyApiClient, io: CliIo): number {
  if (error instanceof ApiError) {
    if (global.json) {
      writeJson(io.stdout, error.body);
    }
    if (error.status === 401) {
      const advice =
        global.key === undefined
          ? 'it needs a function key: pass --key <key> or set RPCOPY_KEY.'
          : 'the function key was rejected: check --key or RPCOPY_KEY.';
      io.stderr.write(
        `rpcopy: the API at ${client.displayUrl} refused the request (401 Unauthorized); ${advice}\n`,
      );
    } else {
      io.stderr.write(
        `rpcopy: ${error.request} failed with ${error.status}: ${error.apiMessage} (${error.code})\n`,
      );
    }
    return exitCodes.api;
  }
  if (error instanceof ConnectionError) {
    io.stderr.write(
      `rpcopy: could not reach the rpcopy API at ${error.url}: ${error.reason}.\n` +
        'Is the app running? Point the CLI at it with --url or RPCOPY_URL.\n',
    );
    return exitCodes.api;
  }
  if (error instanceof InvalidResponseError) {
    io.stderr.write(`rpcopy: unexpected answer from the API at ${client.displayUrl}: ${error.message}\n`);
    return exitCodes.api;
  }
  throw error;
}

/**
 * Runs one `rpcopy` command line.
 *
 * @param argv the arguments after the program name.
 * @param io overrides for the process's streams, environment and terminal; tests and in-process callers
 * pass their own.
 * @returns the exit code (see the help text): 0 success, 1 a copy ended without a usable target, 2 usage
 * error, 3 API or connection error, 130 interrupted.
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const resolved: CliIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    env: io.env ?? process.env,
    isTTY: io.isTTY ?? process.stdout.isTTY,
    ...(io.signal !== undefined ? { signal: io.signal } : {}),
    ...(io.sleep !== undefined ? { sleep: io.sleep } : {}),
    ...(io.fetch !== undefined ? { fetch: io.fetch } : {}),
    invokedAs: io.invokedAs ?? invocationName(io.env ?? process.env, process.argv[1], process.cwd()),
  };
  if (isProtectionCommand(argv)) {
    return runProtectionCommand(argv, resolved, (error, global, client) =>
      reportApiFailure(error, global, client, resolved),
    );
  }
  let commandLine;
  try {
    commandLine = parseCommandLine(argv, resolved.env);
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    resolved.stderr.write(`rpcopy: ${error.message}\n${shortUsage(error.command, resolved.invokedAs)}\n`);
    return exitCodes.usage;
  }
  const { command, global } = commandLine;
  if (command.name === 'help') {
    resolved.stdout.write(
      command.topic !== undefined ? commandHelpText(command.topic) : generalHelp(readVersion()),
    );
    return exitCodes.success;
  }
  if (command.name === 'version') {
    resolved.stdout.write(`${readVersion()}\n`);
    return exitCodes.success;
  }
  const client = new CopyApiClient({
    baseUrl: global.url,
    ...(global.key !== undefined ? { key: global.key } : {}),
    ...(resolved.fetch !== undefined ? { fetch: resolved.fetch } : {}),
    ...(resolved.signal !== undefined ? { signal: resolved.signal } : {}),
  });
  try {
    return await runCommand(command, global, client, resolved);
  } catch (error) {
    if (resolved.signal?.aborted) {
      return exitCodes.interrupted;
    }
    return reportApiFailure(error, global, client, resolved);
  }
}

/**
 * The process entry point used by `bin/rpcopy.js`: wires Ctrl-C and SIGTERM to an abort (a second Ctrl-C
 * exits at once) and sets the exit code.
 */
export async function run(): Promise<void> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts > 1) {
      if (process.stdout.isTTY) {
        process.stdout.write('\u001b[?25h\n');
      }
      process.exit(exitCodes.interrupted);
    }
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`rpcopy list | head`) is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      process.exit(process.exitCode ?? 0);
    }
    throw error;
  });
  try {
    process.exitCode = await main(process.argv.slice(2), { signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
