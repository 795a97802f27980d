import type { CliIo } from '../../../src/cli/main';
import { main } from '../../../src/cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  signal?: AbortSignal;
  /** Called between watch polls; by default returns at once, so a scripted copy plays out without waiting. */
  sleep?: CliIo['sleep'];
  /** How the user ran the CLI, for its hints. @default 'rpcopy' */
  invokedAs?: string;
}

/** Runs the CLI's `main` in-process with captured output and an environment of only what the test gives. */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: {
      write: (text: string) => (stdout += text),
      ...(options.columns !== undefined ? { columns: options.columns } : {}),
      ...(options.rows !== undefined ? { rows: options.rows } : {}),
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    isTTY: options.isTTY ?? false,
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
    sleep: options.sleep ?? (() => Promise.resolve()),
    invokedAs: options.invokedAs ?? 'rpcopy',
  });
  return { code, stdout, stderr };
}
