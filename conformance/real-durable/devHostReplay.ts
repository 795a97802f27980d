import path from 'node:path';

import { engineFactoryWith, startDevHost, VirtualClock } from '../../dev/host';
import { withProcessEnvironmentRestored } from './appEnvironment';
import { REPO_ROOT } from './repoRoot';
import { callReply, failedCallReply } from './bridge';
import { recordScenario } from './driveScenario';
import { InvocationLog, type Recording } from './recording';
import { TERMINAL, type Scenario } from './scenario';

/** The same start time the real run has no say over; timestamps are normalised away in any case. */
const START = Date.UTC(2026, 0, 1);

/** Runs a scenario on the dev host, with a virtual clock, and records it as the real run does. */
export function replayOnDevHost(scenario: Scenario): Promise<Recording> {
  return withProcessEnvironmentRestored(() => replay(scenario));
}

async function replay(scenario: Scenario): Promise<Recording> {
  const log = new InvocationLog();
  const clock = new VirtualClock(START);
  const environment = await scenario.environment?.(clock);
  const host = await startDevHost({
    appDir: path.join(REPO_ROOT, scenario.app),
    clock,
    durableClientMode: 'rpc',
    onInvocation: log.observe,
    log: () => undefined,
    settings: { ...scenario.settings, ...environment?.settings },
    ...(scenario.shortTimers
      ? {
          engineFactory: engineFactoryWith({
            maxShortTimerMs: scenario.shortTimers.maxShortTimerSeconds * 1000,
            longTimerIntervalMs: scenario.shortTimers.longTimerIntervalSeconds * 1000,
          }),
        }
      : {}),
  });
  try {
    const payload = host.durableClientPayload();
    return await recordScenario(
      scenario,
      {
        label: 'devhost',
        clientPayload: payload,
        driver: {
          client: host.getClient(),
          environment,
          rpcBaseUrl: payload.rpcBaseUrl ?? '',
          waitFor: async (id, statuses = TERMINAL) => {
            await host.waitForInstance(id, { statuses: statuses as never });
          },
        },
        call: async (functionName, triggerData) => {
          try {
            return callReply(await host.app.invoke(functionName, triggerData));
          } catch (error) {
            return failedCallReply(error);
          }
        },
        statusJson: async (id) => {
          const base = payload.rpcBaseUrl ?? `${payload.baseUrl}/`;
          const response = await fetch(
            `${base}instances/${encodeURIComponent(id)}?showHistory=true&showHistoryOutput=true&showInput=true`,
          );
          return { httpStatus: response.status, body: await response.json() };
        },
        events: () => environment?.events() ?? [],
      },
      log,
    );
  } finally {
    await host.close();
    await environment?.close();
  }
}
