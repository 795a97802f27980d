'use strict';
// Runs the durable engine from the compiled dist/ on a data directory, in its own process, so that a
// test can SIGKILL it mid-orchestration and start it again.
// Usage: node crashDriver.js <dataDir> <appDir> <start|resume>
const path = require('node:path');

const dist = path.join(__dirname, '..', '..', '..', 'dist');
const { RealClock } = require(path.join(dist, 'dev', 'clock.js'));
const { loadFunctionApp } = require(path.join(dist, 'dev', 'host', 'worker', 'index.js'));
const { createDurableEngine } = require(path.join(dist, 'dev', 'host', 'durable', 'index.js'));

async function main() {
  const [dataDir, appDir, mode] = process.argv.slice(2);
  const app = await loadFunctionApp({ appDir, log: () => undefined });
  const clock = new RealClock();
  const engine = createDurableEngine({ clock, invoker: app.invoker, dataDir, logger: () => undefined });
  await engine.start();
  if (mode === 'start') await engine.startNew('crashy', { instanceId: 'crash-1' });
  process.stdout.write('ready\n');
  for (;;) {
    const status = await engine.getStatus('crash-1');
    if (status && status.runtimeStatus !== 'Running' && status.runtimeStatus !== 'Pending') {
      process.stdout.write(`${JSON.stringify({ status, history: engine.getHistory('crash-1') })}\n`);
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
