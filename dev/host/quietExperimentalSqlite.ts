/**
 * Node 22 prints an ExperimentalWarning when the durable store first loads node:sqlite. For a CLI user
 * it is noise, so the CLI imports this module first; every other warning is printed as Node would.
 */
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite/i.test(warning.message)) {
    return;
  }
  process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
});
