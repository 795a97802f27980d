/**
 * Runs a bounded dev script's `main` as the process's entry point: exits with its code, and prints the
 * stack of an unexpected failure as `npm run <name>: …` with exit 1. The exit is forced 2 s after a clean
 * finish, so a handle left open by a killed child process can never keep the script hanging in CI.
 */
export function runScript(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 2000).unref();
    },
    (error: unknown) => {
      process.stderr.write(
        `npm run ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}
