import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** The keys the host checks, named as on Azure (`default` function key, extension system keys). */
export interface HostKeys {
  master: string;
  /** The host-level `default` function key. */
  function: string;
  /** System key `eventgrid_extension`, required by the Event Grid webhook. */
  eventGrid: string;
  /** System key `durabletask_extension`, required by the Durable management webhooks. */
  durableTask: string;
}

const KEYS_FILE = 'host-keys.json';

function newKey(): string {
  // Same shape as the keys the Functions host generates: URL-safe and long enough not to be guessed.
  return randomBytes(40).toString('base64url');
}

function isHostKeys(value: unknown): value is HostKeys {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return ['master', 'function', 'eventGrid', 'durableTask'].every(
    (name) => typeof record[name] === 'string' && record[name].length > 0,
  );
}

/**
 * Generates the host's keys, or reads them back from `dataDir` so URLs printed before a restart keep
 * working after it. Explicit keys win and are persisted too.
 */
export function loadHostKeys(dataDir: string | undefined, explicit: Partial<HostKeys> = {}): HostKeys {
  let stored: HostKeys | undefined;
  const file = dataDir === undefined ? undefined : path.join(dataDir, KEYS_FILE);
  if (file !== undefined && fs.existsSync(file)) {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    if (!isHostKeys(parsed)) {
      throw new Error(`${file} is not a valid host key file; delete it to regenerate`);
    }
    stored = parsed;
  }
  const keys: HostKeys = {
    master: explicit.master ?? stored?.master ?? newKey(),
    function: explicit.function ?? stored?.function ?? newKey(),
    eventGrid: explicit.eventGrid ?? stored?.eventGrid ?? newKey(),
    durableTask: explicit.durableTask ?? stored?.durableTask ?? newKey(),
  };
  if (file !== undefined && dataDir !== undefined) {
    fs.mkdirSync(dataDir, { recursive: true });
    // Owner-only: these are credentials for the local endpoints. Written to a new file and renamed, because
    // the mode given to writeFileSync applies only to a file it creates, not to one a past version left.
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    fs.chmodSync(temporary, 0o600);
    fs.renameSync(temporary, file);
  }
  return keys;
}
