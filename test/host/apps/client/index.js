// The orchestrator is never run here: these tests put a fake engine behind the management API.
const df = require('durable-functions');

df.app.orchestration('orch', function* () {
  return null;
});
