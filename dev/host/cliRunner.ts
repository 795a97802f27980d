import fs from 'node:fs';
import path from 'node:path';

import { RealClock, VirtualClock, type Clock } from '../clock';
import { parseHostArgs, USAGE, UsageError, type HostCliOptions } from './cliArgs';
import { startDevHost, type DevHost } from './devHost';
import { consoleLogSink, type LogSink } from './worker';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export type CliOutcome =
  { kind: 'exit'; code: number } | { kind: 'running'; host: DevHost; stop: () => Promise<void> };

const CLOCK_FILE = 'clock.json';

/** The clock resumes where the last run left it, so accelerated time never runs backwards. */
function resumeStart(dataDir: string): number {
  const file = path.join(dataDir, CLOCK_FILE);
  try {
    const saved = (JSON.parse(fs.readFileSync(file, 'utf8')) as { now?: unknown }).now;
    return typeof saved === 'number' && saved > Date.now() ? saved : Date.now();
  } catch {
    return Date.now();
  }
}

function saveClock(dataDir: string, clock: Clock): void {
  fs.writeFileSync(path.join(dataDir, CLOCK_FILE), JSON.stringify({ now: clock.now() }));
}

function describeFunctions(host: DevHost): string[] {
  const http = new Map(host.httpRoutes().map((route) => [route.name, route]));
  return [...host.app.registry.values()].map((info) => {
    const route = http.get(info.name);
    if (route) {
      return `  ${info.name}: [${route.methods.join(',')}] ${route.url} (${route.authLevel})`;
    }
    if (info.triggerType.toLowerCase() === 'eventgridtrigger') {
      return `  ${info.name}: eventGridTrigger ${host.baseUrl}/runtime/webhooks/eventgrid?functionName=${info.name}&code=${host.eventGridKey}`;
    }
    if (info.triggerType.toLowerCase() === 'timertrigger') {
      return `  ${info.name}: timerTrigger ${String(info.trigger.schedule)}`;
    }
    return `  ${info.name}: ${info.triggerType}`;
  });
}

/** Runs the CLI up to a started host (or an exit code); the caller owns signals and process exit. */
export async function runHostCli(argv: string[], io: CliIo, cwd = process.cwd()): Promise<CliOutcome> {
  let options: HostCliOptions;
  try {
    options = parseHostArgs(argv, cwd);
  } catch (error) {
    if (!(error instanceof UsageError)) {
      throw error;
    }
    io.err(`error: ${error.message}\n\n${USAGE}`);
    return { kind: 'exit', code: 2 };
  }
  if (options.help) {
    io.out(USAGE);
    return { kind: 'exit', code: 0 };
  }
  if (!fs.existsSync(options.appDir) || !fs.statSync(options.appDir).isDirectory()) {
    io.err(`error: --app-dir ${options.appDir} is not a directory\n`);
    return { kind: 'exit', code: 2 };
  }

  fs.mkdirSync(options.dataDir, { recursive: true });
  const clock = options.virtual
    ? new VirtualClock(resumeStart(options.dataDir))
    : new RealClock({ speed: options.speed, start: resumeStart(options.dataDir) });
  const log: LogSink = options.verbose
    ? (entry) => io.out(`${entry.functionName ? `[${entry.functionName}] ` : ''}${entry.message}\n`)
    : consoleLogSink;

  let host: DevHost;
  try {
    host = await startDevHost({
      appDir: options.appDir,
      clock,
      port: options.port,
      dataDir: options.dataDir,
      log,
      autoAdvance: options.virtual,
      durableClientMode: options.legacyClient ? 'legacy' : 'rpc',
      keys: {
        ...(options.masterKey === undefined ? {} : { master: options.masterKey }),
        ...(options.functionKey === undefined ? {} : { function: options.functionKey }),
      },
      ...(options.verbose
        ? {
            onRequest: (r) =>
              io.out(`${r.method} ${r.url.replace(/code=[^&]*/g, 'code=***')} -> ${r.status}\n`),
          }
        : {}),
    });
  } catch (error) {
    if (clock instanceof RealClock) {
      clock.dispose();
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      io.err(`error: port ${options.port} on 127.0.0.1 is already in use; pick another with --port\n`);
    } else {
      io.err(`error: could not start the app in ${options.appDir}: ${(error as Error).message}\n`);
    }
    return { kind: 'exit', code: 1 };
  }

  const clockTicker = setInterval(() => saveClock(options.dataDir, clock), 1000);
  clockTicker.unref();
  io.out(
    [
      `Dev host listening on ${host.baseUrl}`,
      `  app:   ${options.appDir} (${host.app.registry.size} functions)`,
      `  clock: ${new Date(clock.now()).toISOString()} ${options.virtual ? '(virtual: jumps to the next timer when idle)' : `at ${options.speed}x real time`}`,
      `  data:  ${options.dataDir}`,
      `  master key:             ${host.masterKey}`,
      `  function key (default): ${host.functionKey}`,
      `  eventgrid_extension:    ${host.eventGridKey}`,
      `  durabletask_extension:  ${host.durableTaskKey}`,
      'Functions:',
      ...describeFunctions(host),
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      clearInterval(clockTicker);
      await host.close();
      saveClock(options.dataDir, clock);
      if (clock instanceof RealClock) {
        clock.dispose();
      }
    })());
  return { kind: 'running', host, stop };
}
