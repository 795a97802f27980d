import { parseArgs } from 'node:util';
import type { EventSchema } from './types';

export interface SimulatorCliOptions {
  port: number;
  speed: number;
  stateFile?: string;
  tls: boolean;
  seed: number;
  throughputMiBps?: number;
  listPageSize?: number;
  eventWebhooks: string[];
  eventSchema: EventSchema;
  /** A fault plan file (JSON), read and checked by the CLI before it starts. */
  faultsFile?: string;
}

export type ParsedSimulatorArgs = { kind: 'run'; options: SimulatorCliOptions } | { kind: 'help' };

export const DEFAULT_PORT = 8443;

export const USAGE = `Usage: npm run sim -- [options]

Runs the local Azure Resource Manager endpoint for Microsoft.Compute restore points.

Options:
  --port <port>            TCP port on 127.0.0.1, 0 for any free port (default ${DEFAULT_PORT})
  --speed <factor>         simulated time per real time, e.g. 60 for a minute per second (default 1)
  --state <file>           keep resources, operations and the clock in this file (a JSON journal) and resume from it
  --no-tls                 serve plain http (the Azure SDK then refuses bearer tokens; for debugging)
  --seed <integer>         seed for generated ids and fault probabilities (default 1)
  --throughput <MiB/s>     replication throughput per disk (default 50)
  --page-size <items>      items per page of a list before it continues with nextLink (default 100)
  --event-webhook <url>    announce restore point writes to this URL (repeatable)
  --event-schema <schema>  EventGrid or CloudEvents (default EventGrid)
  --faults <file>          inject the faults of this JSON fault plan (see dev/compute-sim/README.md)
  -h, --help               show this help`;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${flag} must be a positive number, got '${text}'`);
  }
  return value;
}

function integerIn(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new UsageError(`--${flag} must be an integer from ${min} to ${max}, got '${text}'`);
  }
  return value;
}

/** Pure: argv in, options or a {@link UsageError} out. */
export function parseSimulatorArgs(argv: readonly string[]): ParsedSimulatorArgs {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    return { kind: 'help' };
  }
  const schema = values['event-schema'] ?? 'EventGrid';
  if (schema !== 'EventGrid' && schema !== 'CloudEvents') {
    throw new UsageError(`--event-schema must be EventGrid or CloudEvents, got '${schema}'`);
  }
  const webhooks = values['event-webhook'] ?? [];
  for (const url of webhooks) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--event-webhook must be an http(s) URL, got '${url}'`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UsageError(`--event-webhook must be an http(s) URL, got '${url}'`);
    }
  }
  if (values.state !== undefined && values.state.trim() === '') {
    throw new UsageError('--state needs a file path');
  }
  if (values.faults !== undefined && values.faults.trim() === '') {
    throw new UsageError('--faults needs a file path');
  }
  return {
    kind: 'run',
    options: {
      port: values.port === undefined ? DEFAULT_PORT : integerIn('port', values.port, 0, 65535),
      speed: values.speed === undefined ? 1 : positiveNumber('speed', values.speed),
      ...(values.state !== undefined ? { stateFile: values.state } : {}),
      tls: !values['no-tls'],
      seed: values.seed === undefined ? 1 : integerIn('seed', values.seed, 0, 2 ** 32 - 1),
      ...(values.throughput !== undefined
        ? { throughputMiBps: positiveNumber('throughput', values.throughput) }
        : {}),
      ...(values['page-size'] !== undefined
        ? { listPageSize: integerIn('page-size', values['page-size'], 1, 1000) }
        : {}),
      eventWebhooks: webhooks,
      eventSchema: schema,
      ...(values.faults !== undefined ? { faultsFile: values.faults } : {}),
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      speed: { type: 'string' },
      state: { type: 'string' },
      'no-tls': { type: 'boolean' },
      seed: { type: 'string' },
      throughput: { type: 'string' },
      'page-size': { type: 'string' },
      'event-webhook': { type: 'string', multiple: true },
      'event-schema': { type: 'string' },
      faults: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
