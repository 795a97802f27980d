'use strict';
// Runs the durable engine from the compiled dist/ on a data directory, in its own process, so that a
// test can SIGKILL it in the middle of an entity batch and start it again.
// Usage: node entityCrashDriver.js <dataDir> <appDir> <start|resume>
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', '..', '..', 'dist');
const { RealClock } = require(path.join(dist, 'dev', 'clock.js'));
const { loadFunctionApp } = require(path.join(dist, 'dev', 'host', 'worker', 'index.js'));
const { createDurableEngine } = require(path.join(dist, 'dev', 'host', 'durable', 'index.js'));

async function main() {
  const [dataDir, appDir, mode] = process.argv.slice(2);
  const app = await loadFunctionApp({ appDir, log: () => undefined });
  const clock = new RealClock();
  const engine = createDurableEngine({
    clock,
    invoker: app.invoker,
    dataDir,
    logger: () => undefined,
    // One operation per batch, so the batches before the hanging one are committed.
    maxEntityOperationBatchSize: 1,
  });
  if (mode === 'start') {
    // Queued before the engine runs, so every message is in the store when the batches begin.
    await engine.start();
    engine.pauseOrchestrations();
    for (let amount = 1; amount <= 6; amount++) {
      await engine.signalEntity({ name: 'Tally', key: 't' }, 'add', amount);
    }
    await engine.startNew('askTally', { instanceId: 'ask-1' });
    engine.resumeOrchestrations();
  } else {
    await engine.start();
  }
  process.stdout.write('ready\n');
  for (;;) {
    const status = await engine.getStatus('ask-1');
    if (status && status.runtimeStatus === 'Completed') {
      await engine.whenIdle();
      const state = await engine.readEntityState({ name: 'Tally', key: 't' });
      process.stdout.write(`${JSON.stringify({ output: status.output, state })}\n`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await engine.stop();
  clock.dispose();
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
