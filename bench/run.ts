import { measureHostOverhead } from './hostOverhead';
import { measurePollingCost, type PollingResult } from './pollingCost';

/**
 * `npm run bench`: figures are printed as ratios against a baseline measured in the same run, never as
 * absolute targets, because these machines are noisy.
 */

function ratio(value: number, baseline: number): string {
  return baseline === 0 ? 'n/a' : `${(value / baseline).toFixed(2)}x`;
}

function minutes(seconds: number | undefined): string {
  return seconds === undefined ? 'never' : `${(seconds / 60).toFixed(1)} min`;
}

async function main(): Promise<void> {
  console.log(
    '1. Replication polling: adaptive schedule vs polling every 10 minutes (Azure refresh interval)',
  );
  console.log(
    '   Real Compute simulator and @azure/arm-compute client on a virtual clock; 50 MiB/s per disk.',
  );
  const results = await measurePollingCost([
    { name: 'demo VM (32+64+128 GB)', disksGB: [32, 64, 128] },
    { name: 'database VM (128+1024+2048 GB)', disksGB: [128, 1024, 2048] },
    { name: 'file server (4096+4096 GB)', disksGB: [4096, 4096] },
    { name: 'stalled at 40 %, watched 3 days', disksGB: [128, 512], stallAtPercent: 40 },
  ]);
  const byScenario = new Map<string, PollingResult[]>();
  for (const result of results)
    byScenario.set(result.scenario, [...(byScenario.get(result.scenario) ?? []), result]);
  for (const [scenario, [adaptive, fixed]] of byScenario) {
    if (!adaptive || !fixed) continue;
    console.log(
      `   ${scenario.padEnd(34)} GETs ${String(adaptive.gets).padStart(4)} vs ${String(fixed.gets).padStart(4)} ` +
        `= ${ratio(adaptive.gets, fixed.gets).padStart(6)}   detection lag ${minutes(adaptive.detectionLagSeconds)} vs ${minutes(fixed.detectionLagSeconds)}`,
    );
  }

  console.log('\n2. Dev host: 14 virtual days of hourly polling (336 timers, continueAsNew every 20 polls)');
  const host = await measureHostOverhead();
  console.log(
    `   ${host.virtualDays.toFixed(1)} virtual days in ${host.wallMs.toFixed(0)} ms of real time over ${host.episodes} episodes; ` +
      `time inside durable-functions (baseline) ${host.sdkMs.toFixed(0)} ms; host total / SDK = ${ratio(host.wallMs, host.sdkMs)}`,
  );
  console.log(
    `   largest history of one execution: ${host.maxHistoryEvents} events (continueAsNew keeps it bounded)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
