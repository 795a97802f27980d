import './quietExperimentalSqlite';
import { runHostCli } from './cliRunner';

async function main(): Promise<void> {
  const outcome = await runHostCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
  if (outcome.kind === 'exit') {
    process.exitCode = outcome.code;
    return;
  }
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stdout.write(`\n${signal}: stopping the dev host…\n`);
    outcome.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `error while stopping: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

main().catch((error: unknown) => {
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
