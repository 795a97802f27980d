import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../atomicFile';
import type { SimulatorState } from './stateStore';
import { emptyState } from './stateStore';

/** The parts of the state kept as one record per key: a change rewrites that record only. */
export type KeyedTable =
  'vms' | 'collections' | 'restorePoints' | 'operations' | 'copyPutTimes' | 'readBuckets';

/** The parts small enough to be written whole when they change. */
export type WholeField = 'eventSubscriptions' | 'pendingDeliveries';

/** What the simulator's components report after changing the state, so only that is written. */
export interface StateChanges {
  changed(table: KeyedTable, key: string): void;
  changedField(field: WholeField): void;
  /** Makes the changes reported so far durable (a no-op without a state file). */
  commit(): void;
}

/** One journal line after the snapshot: records written (`null`: deleted), whole fields, and the clock. */
interface Delta {
  clockTime: number;
  idsIssued: number;
  rows?: Partial<Record<KeyedTable, Record<string, unknown>>>;
  fields?: Partial<Record<WholeField, unknown>>;
}

// A compaction rewrites the whole state; waiting until the journal is as long as the snapshot keeps that
// cost proportional to the changes made since, so the cost per change stays flat however large the state.
const MIN_JOURNAL_BYTES_BEFORE_COMPACTION = 256 * 1024;

/**
 * The `--state` file: a JSON snapshot on the first line, then one JSON line per commit holding only what
 * changed. Appends go straight to the file, so a killed simulator loses nothing it answered; a line cut
 * short by the kill itself is ignored on load. The file is compacted back to one snapshot (written to a
 * temporary file and renamed, never left half-written) when the journal outgrows it, and on close.
 */
export class StateJournal implements StateChanges {
  private readonly dirtyRows = new Map<KeyedTable, Set<string>>();
  private readonly dirtyFields = new Set<WholeField>();
  private snapshotBytes = 0;
  private journalBytes = 0;

  constructor(
    private readonly file: string,
    private readonly state: SimulatorState,
    private readonly meta: () => { clockTime: number; idsIssued: number },
  ) {}

  changed(table: KeyedTable, key: string): void {
    let keys = this.dirtyRows.get(table);
    if (!keys) {
      keys = new Set();
      this.dirtyRows.set(table, keys);
    }
    keys.add(key);
  }

  changedField(field: WholeField): void {
    this.dirtyFields.add(field);
  }

  commit(): void {
    const delta: Delta = this.meta();
    if (this.dirtyRows.size > 0) {
      const rows: Delta['rows'] = {};
      for (const [table, keys] of this.dirtyRows) {
        const records: Record<string, unknown> = {};
        for (const key of keys) {
          records[key] = (this.state[table] as Record<string, unknown>)[key] ?? null;
        }
        rows[table] = records;
      }
      delta.rows = rows;
    }
    if (this.dirtyFields.size > 0) {
      delta.fields = Object.fromEntries([...this.dirtyFields].map((field) => [field, this.state[field]]));
    }
    this.dirtyRows.clear();
    this.dirtyFields.clear();
    const line = `${JSON.stringify(delta)}\n`;
    appendFileSync(this.file, line, { mode: 0o600 });
    this.journalBytes += Buffer.byteLength(line);
    if (this.journalBytes > Math.max(MIN_JOURNAL_BYTES_BEFORE_COMPACTION, this.snapshotBytes)) {
      this.compact();
    }
  }

  /** Rewrites the file as one snapshot of the current state. */
  compact(): void {
    this.dirtyRows.clear();
    this.dirtyFields.clear();
    Object.assign(this.state, this.meta());
    const text = `${JSON.stringify(this.state)}\n`;
    // The file holds the simulator's TLS private key: readable by its owner only.
    writeFileAtomic(this.file, text, 0o600);
    this.snapshotBytes = Buffer.byteLength(text);
    this.journalBytes = 0;
  }
}

/** Reads a state file: a snapshot (one line, or the pretty-printed file of older versions) and its journal. */
export function loadState(file: string): SimulatorState | undefined {
  if (!existsSync(file)) {
    return undefined;
  }
  const text = readFileSync(file, 'utf8');
  const whole = tryParse(text);
  const lines = whole === undefined ? text.split('\n') : [];
  const snapshot = (whole ?? tryParse(lines[0] ?? '')) as Partial<SimulatorState> | undefined;
  if (snapshot?.version !== 1) {
    throw new Error(
      `State file ${file} does not start with a version 1 snapshot (found ${String(snapshot?.version)}).`,
    );
  }
  const state: SimulatorState = { ...emptyState(snapshot.clockTime ?? 0), ...snapshot };
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '') {
      continue;
    }
    const delta = tryParse(line) as Delta | undefined;
    if (delta === undefined) {
      if (index === lines.length - 1) {
        // The last line was being written when the process died: its change was never answered.
        break;
      }
      throw new Error(`State file ${file}: line ${index + 1} is not valid JSON.`);
    }
    applyDelta(state, delta);
  }
  return state;
}

/** The clock time a state file was saved at, to resume a standalone simulator's clock. */
export function readSavedClockTime(file: string): number | undefined {
  return loadState(file)?.clockTime;
}

function applyDelta(state: SimulatorState, delta: Delta): void {
  state.clockTime = delta.clockTime;
  state.idsIssued = delta.idsIssued;
  for (const [table, records] of Object.entries(delta.rows ?? {}) as [
    KeyedTable,
    Record<string, unknown>,
  ][]) {
    const target = state[table] as Record<string, unknown>;
    for (const [key, record] of Object.entries(records)) {
      if (record === null) {
        delete target[key];
      } else {
        target[key] = record;
      }
    }
  }
  Object.assign(state, delta.fields ?? {});
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Reports nothing anywhere: the simulator without `--state`. */
export const NO_PERSISTENCE: StateChanges = {
  changed: () => undefined,
  changedField: () => undefined,
  commit: () => undefined,
};
