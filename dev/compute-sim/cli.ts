import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RealClock } from '../clock';
import type { SimulatorCliOptions } from './cliArgs';
import { USAGE, UsageError, parseSimulatorArgs } from './cliArgs';
import { startComputeSimulator } from './computeSimulator';
import { FaultPlanFileError, readFaultPlanFile } from './faultPlan';
import type { FaultRule } from './types';
import { readSavedClockTime } from './stateJournal';

function caPathFor(options: SimulatorCliOptions): string {
  return options.stateFile
    ? `${options.stateFile}.ca.pem`
    : join(mkdtempSync(join(tmpdir(), 'rpcopy-compute-sim-')), 'ca.pem');
}

async function run(options: SimulatorCliOptions, faults: FaultRule[]): Promise<void> {
  const savedTime = options.stateFile ? readSavedClockTime(options.stateFile) : undefined;
  const clock = new RealClock({
    speed: options.speed,
    ...(savedTime !== undefined ? { start: savedTime } : {}),
  });
  const sim = await startComputeSimulator({
    clock,
    port: options.port,
    tls: options.tls,
    seed: options.seed,
    faults,
    ...(options.stateFile ? { stateFile: options.stateFile } : {}),
    ...(options.throughputMiBps !== undefined ? { throughputMiBps: options.throughputMiBps } : {}),
    ...(options.listPageSize !== undefined ? { listPageSize: options.listPageSize } : {}),
  });
  for (const url of options.eventWebhooks) {
    sim.subscribeEvents({ url, schema: options.eventSchema });
  }

  const lines = [
    `Compute simulator listening on ${sim.endpoint}`,
    `  clock: ${new Date(clock.now()).toISOString()} at ${options.speed}x real time${savedTime !== undefined ? ' (resumed)' : ''}`,
    `  state: ${options.stateFile ?? 'in memory only (use --state <file> to keep it)'}`,
  ];
  if (sim.caCertificatePem) {
    const caPath = caPathFor(options);
    writeFileSync(caPath, sim.caCertificatePem);
    lines.push(
      `  CA certificate: ${caPath}`,
      `  Trust it: RPCOPY_ARM_ENDPOINT=${sim.endpoint} RPCOPY_ARM_CA_CERTIFICATE=${caPath} RPCOPY_ARM_CREDENTIAL=static`,
      `            other Node tools: NODE_EXTRA_CA_CERTS=${caPath}`,
    );
  } else {
    lines.push(
      '  TLS off: the Azure SDK refuses bearer tokens over http; use this only with raw HTTP tools.',
    );
  }
  for (const url of options.eventWebhooks) {
    lines.push(`  events: ${options.eventSchema} to ${url}`);
  }
  if (options.faultsFile !== undefined) {
    lines.push(`  faults: ${faults.length} rule${faults.length === 1 ? '' : 's'} from ${options.faultsFile}`);
  }
  lines.push('Press Ctrl-C to stop.');
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    void sim.close().then(
      () => {
        clock.dispose();
        process.stdout.write(
          `Stopped on ${signal}${options.stateFile ? `; state saved to ${options.stateFile}` : ''}.\n`,
        );
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(
          `Failed to stop cleanly: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function main(argv: readonly string[]): void {
  let parsed;
  try {
    parsed = parseSimulatorArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`compute simulator: ${error.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    throw error;
  }
  if (parsed.kind === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let faults: FaultRule[] = [];
  try {
    if (parsed.options.faultsFile !== undefined) {
      faults = readFaultPlanFile(parsed.options.faultsFile);
    }
  } catch (error) {
    if (error instanceof FaultPlanFileError) {
      process.stderr.write(`compute simulator: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  run(parsed.options, faults).catch((error: unknown) => {
    process.stderr.write(
      `compute simulator failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}

main(process.argv.slice(2));
