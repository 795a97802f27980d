import { isAbsolute, relative } from 'node:path';
import type { CommandName } from './parseCommandLine';

export const defaultApiUrl = 'http://localhost:7071';

/** The package's name in package.json: scoped, so that `npx` never resolves it to a stranger's package. */
export const packageName = '@rpcopy/rpcopy';

const exitCodes = `Exit codes:
  0    success; for status and watch: the copy Succeeded or is still in progress
  1    the copy ended without a usable target: Failed, TimedOut, Canceled or Skipped
  2    usage error: unknown command or option, missing argument, bad value
  3    the API answered with an error, could not be reached, or answered something unreadable
  130  interrupted (Ctrl-C)`;

const globalOptions = `Options for every command:
  --url <url>   the app's base URL (env RPCOPY_URL; default ${defaultApiUrl})
  --key <key>   function key, sent as the x-functions-key header (env RPCOPY_KEY); never printed
  --json        print the API's JSON instead of text (watch: one JSON document per line per change)
  -h, --help    show help; rpcopy <command> --help shows one command
  --version     print the version
Colours are off when NO_COLOR is set or stdout is not a terminal. RPCOPY_SIMULATED_SPEED=<f> says the app
runs on a simulated clock f times real time (the local stack's hint sets it): ETAs and times are then
labelled simulated.`;

export const usageLines: Record<CommandName, string> = {
  copy: 'rpcopy copy <sourceRestorePointId> [--to <region>[,<region>…]]',
  status: 'rpcopy status <copyId>',
  list: 'rpcopy list [--status <status>] [--source <sourceRestorePointId>] [--region <region>] [--top <n>] [--all]',
  watch: 'rpcopy watch [<copyId>] [--interval <seconds>] [--follow]',
  cancel: 'rpcopy cancel <copyId>',
};

const commandHelp: Record<CommandName, string> = {
  copy: `Starts copying a VM restore point (its full ARM id) to other regions. Without --to, the app's
policy picks the regions. Repeating the request returns the same copies and starts nothing new.

  --to <regions>   target regions, comma-separated or repeated: --to westus2,centralus`,
  status: `Shows one copy: status, source and target, per-disk progress, and the error when it failed.
Exit code 1 when the copy ended Failed, TimedOut, Canceled or Skipped.`,
  list: `Lists copies, one page unless --all.

  --status <status>   Queued, Starting, Replicating, Succeeded, Failed, TimedOut, Canceled or Skipped;
                      several comma-separated: --status Failed,TimedOut
  --source <id>       only copies of this source restore point (ARM id)
  --region <region>   only copies to this target region
  --top <n>           page size, 1 to 200
  --all               follow the continuation and list every matching copy`,
  watch: `Shows live per-disk progress bars, percent and ETA, until the copy ends; its exit code tells
the outcome. Without an id, watches every copy in progress until they have all ended, and says so when
there is none. When stdout is not a terminal, prints one plain line per change instead of bars. When the
API stops answering (a restart), watch retries, waiting up to 30 s between tries, and gives up after
15 minutes without an answer.

  --interval <seconds>   time between polls (default 2)
  --follow               without an id: keep watching for new copies until Ctrl-C`,
  cancel: `Cancels a copy that has not ended.`,
};

export function generalHelp(version: string): string {
  return `rpcopy ${version}: copies Azure VM restore points to other regions, and follows the copies.

Usage:
${Object.values(usageLines)
  .map((line) => `  ${line}`)
  .join('\n')}

Commands:
  copy     start copying a source restore point to target regions
  status   show one copy, with per-disk progress
  list     list copies, with filters
  watch    live progress bars for one copy, or for every copy in progress
  cancel   cancel a copy that has not ended
  protection  is every VM recoverable in each region, recently enough? (rpcopy protection --help)

${globalOptions}

${exitCodes}
`;
}

export function commandHelpText(command: CommandName): string {
  return `Usage: ${usageLines[command]}

${commandHelp[command]}

${globalOptions}

${exitCodes}
`;
}

/** The short reminder printed under a usage error; `cli` is how the user runs the CLI (`npx rpcopy`). */
export function shortUsage(command: CommandName | undefined, cli = 'rpcopy'): string {
  if (command !== undefined) {
    return `Usage: ${usageLines[command]}\nRun '${cli} ${command} --help' for details.`;
  }
  return `Usage:\n${Object.values(usageLines)
    .map((line) => `  ${line}`)
    .join('\n')}\nRun '${cli} --help' for details.`;
}

/**
 * How the user ran the CLI, so that hints print a command their shell knows: `npx rpcopy` inside the
 * project (npm exec marks its child with `npm_lifecycle_event=npx`), `node <path>` when the script was run
 * directly, and `rpcopy` when it is installed (`npm install -g .` or `npm link`).
 *
 * @param script the path node ran (`process.argv[1]`), relative to `cwd` in the hint when inside it.
 */
export function invocationName(
  env: Readonly<Record<string, string | undefined>>,
  script: string | undefined,
  cwd: string,
): string {
  if (env.npm_lifecycle_event === 'npx') {
    return 'npx rpcopy';
  }
  if (script !== undefined && /\.[cm]?js$/.test(script)) {
    const fromCwd = relative(cwd, script);
    return `node ${fromCwd.startsWith('..') || isAbsolute(fromCwd) ? script : fromCwd}`;
  }
  return 'rpcopy';
}
