import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as Sqlite from 'node:sqlite';

import type { HistoryEvent, RuntimeStatus } from '../contract';
import type { SchedulerState } from './entityProtocol';

export interface ParentInfo {
  instanceId: string;
  executionId: string;
  name: string;
  taskScheduleId: number;
}

export interface InstanceRow {
  instanceId: string;
  name: string;
  version: string | null;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text, or null for no input. */
  input: string | null;
  /** JSON text (or the raw failure/terminate reason), null when none. */
  output: string | null;
  customStatus: string | null;
  createdTime: number;
  lastUpdatedTime: number;
  parent: ParentInfo | null;
}

export interface MessageRow {
  id: number;
  instanceId: string;
  /** Null for messages any execution accepts (events raised from outside, terminate, suspend/resume). */
  executionId: string | null;
  event: HistoryEvent;
  visibleAt: number;
}

/** A message to enqueue; the store assigns its id. */
export type NewMessage = Omit<MessageRow, 'id'>;

export interface ActivityRow {
  id: number;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  /** JSON text for the activity input, undefined for none. */
  input: string | undefined;
}

/** An activity to schedule; the store assigns its id. */
export type NewActivity = Omit<ActivityRow, 'id'>;

export interface InstanceFilter {
  createdTimeFrom?: number;
  createdTimeTo?: number;
  runtimeStatus?: RuntimeStatus[];
  instanceIdPrefix?: string;
  /** Keyset cursor: instance ids strictly after this one. */
  afterInstanceId?: string;
  limit?: number;
}

/** An entity's scheduler state, kept in its own table so that instance queries never see entities. */
export interface EntityRow {
  /** The scheduler ID, `@name@key`. */
  instanceId: string;
  name: string;
  key: string;
  scheduler: SchedulerState;
  lastModified: number;
}

export interface EntityFilter {
  /** Lowercased entity name. */
  name?: string;
  lastModifiedFrom?: number;
  lastModifiedTo?: number;
  /** Keyset cursor: strictly after this scheduler ID. */
  after?: string;
  limit?: number;
}

/** Rows the store read and wrote since it opened: what the scale benchmark and the no-scan tests count. */
export interface StoreStats {
  instanceReads: number;
  historyReads: number;
  /** Messages and activity work items. */
  queueReads: number;
  /** Rows inserted, updated or deleted, in any table (index upkeep by triggers not included). */
  writes: number;
  /** History events appended (replays rewrite none): the history a workload makes. */
  historyWrites: number;
  /** Messages to entity instances (ids starting with `@`, as the Durable Task Framework names them). */
  entityMessages: number;
  /** The most events one execution's history has held: what continueAsNew must keep bounded. */
  largestExecutionHistory: number;
}

/** Above every character an instance id may hold, so `prefix + PREFIX_END` bounds the ids with that prefix. */
const PREFIX_END = '\u{10FFFF}';

type SqlValue = string | number | null;

let sqlite: typeof Sqlite | undefined;

/**
 * Loads node:sqlite without its one-time ExperimentalWarning, which would otherwise land in the output of
 * every host run and test; any other warning still goes through.
 */
export function loadSqlite(): typeof Sqlite {
  if (sqlite) {
    return sqlite;
  }
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  const original = Object.getOwnPropertyDescriptor(process, 'emitWarning');
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === 'string' ? warning : warning.message;
    if (text.includes('SQLite is an experimental feature')) {
      return;
    }
    emitWarning(warning, ...rest);
  };
  try {
    sqlite = createRequire(__filename)('node:sqlite') as typeof Sqlite;
  } finally {
    if (original) {
      Object.defineProperty(process, 'emitWarning', original);
    } else {
      delete (process as { emitWarning?: unknown }).emitWarning;
    }
  }
  return sqlite;
}

interface RawInstance {
  instance_id: string;
  name: string;
  version: string | null;
  execution_id: string;
  runtime_status: string;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created_time: number;
  last_updated_time: number;
  parent: string | null;
}

function toInstance(raw: RawInstance): InstanceRow {
  return {
    instanceId: raw.instance_id,
    name: raw.name,
    version: raw.version,
    executionId: raw.execution_id,
    runtimeStatus: raw.runtime_status as RuntimeStatus,
    input: raw.input,
    output: raw.output,
    customStatus: raw.custom_status,
    createdTime: raw.created_time,
    lastUpdatedTime: raw.last_updated_time,
    parent: raw.parent === null ? null : (JSON.parse(raw.parent) as ParentInfo),
  };
}

interface RawEntity {
  instance_id: string;
  name: string;
  key: string;
  scheduler: string;
  last_modified: number;
}

function toEntity(raw: RawEntity): EntityRow {
  return {
    instanceId: raw.instance_id,
    name: raw.name,
    key: raw.key,
    scheduler: JSON.parse(raw.scheduler) as SchedulerState,
    lastModified: raw.last_modified,
  };
}

/**
 * The durable store: instances, per-execution history, the orchestrator message queue (including timers,
 * which are messages that become visible at their fire time) and the activity work-item queue. All of it
 * lives in one SQLite database so that one episode's effects commit in a single transaction.
 * Why this file is longer than 400 lines: the schema, its indexes, every query on it and the row counters
 * that the scale benchmark and the no-scan tests read stay together, so a query cannot drift from the index
 * that makes it cheap, and entity rows commit in the same transactions as the orchestrations that send to them.
 */
export class DurableStore {
  private readonly db: Sqlite.DatabaseSync;
  private readonly t: {
    instances: string;
    history: string;
    messages: string;
    activities: string;
    due: string;
    entities: string;
  };
  /** Compiling SQL costs more than running these small queries, so each text is prepared once. */
  private readonly statements = new Map<string, Sqlite.StatementSync>();
  private readonly counters: StoreStats = {
    instanceReads: 0,
    historyReads: 0,
    queueReads: 0,
    writes: 0,
    historyWrites: 0,
    entityMessages: 0,
    largestExecutionHistory: 0,
  };

  constructor(dataDir: string | undefined, taskHub: string) {
    if (dataDir !== undefined) {
      mkdirSync(dataDir, { recursive: true });
    }
    this.db = new (loadSqlite().DatabaseSync)(
      dataDir === undefined ? ':memory:' : join(dataDir, 'durable.sqlite'),
    );
    const prefix = taskHub.replace(/[^A-Za-z0-9]/g, '');
    this.t = {
      instances: `${prefix}_instances`,
      history: `${prefix}_history`,
      messages: `${prefix}_messages`,
      activities: `${prefix}_activities`,
      due: `${prefix}_due`,
      entities: `${prefix}_entities`,
    };
    if (dataDir !== undefined) {
      // WAL with synchronous=NORMAL writes each commit to the log without an fsync: a killed process loses
      // nothing (the log is in the OS page cache), only a power cut may lose the last commits, which a dev
      // host can afford. FULL spent about a quarter of a 1,000-copy run waiting on the disk.
      // A checkpoint syncs the disk too: every 10,000 pages (40 MB of log) instead of SQLite's 1,000 halves
      // the cost of a commit.
      this.db.exec(
        'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 10000;',
      );
    }
    const dueExisted = this.tableExists(this.t.due);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${this.t.instances} (
        instance_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version TEXT,
        execution_id TEXT NOT NULL,
        runtime_status TEXT NOT NULL,
        input TEXT,
        output TEXT,
        custom_status TEXT,
        created_time INTEGER NOT NULL,
        last_updated_time INTEGER NOT NULL,
        parent TEXT
      );
      CREATE INDEX IF NOT EXISTS ${this.t.instances}_created ON ${this.t.instances} (created_time, instance_id);
      CREATE INDEX IF NOT EXISTS ${this.t.instances}_status ON ${this.t.instances} (runtime_status, instance_id);
      CREATE TABLE IF NOT EXISTS ${this.t.history} (
        instance_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        execution_id TEXT NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (instance_id, seq)
      );
      CREATE TABLE IF NOT EXISTS ${this.t.messages} (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance_id TEXT NOT NULL,
        execution_id TEXT,
        event TEXT NOT NULL,
        visible_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${this.t.messages}_visible ON ${this.t.messages} (visible_at, id);
      DROP INDEX IF EXISTS ${this.t.messages}_instance;
      CREATE INDEX IF NOT EXISTS ${this.t.messages}_instance_due ON ${this.t.messages} (instance_id, visible_at, id);
      -- One row per instance with messages: when its earliest message is (or was) due. The scheduler reads
      -- the few earliest rows of this index instead of grouping every ready message at every step.
      CREATE TABLE IF NOT EXISTS ${this.t.due} (
        instance_id TEXT PRIMARY KEY,
        due_at INTEGER NOT NULL,
        first_id INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${this.t.due}_order ON ${this.t.due} (due_at, first_id);
      CREATE TRIGGER IF NOT EXISTS ${this.t.messages}_due_insert AFTER INSERT ON ${this.t.messages} BEGIN
        INSERT INTO ${this.t.due} (instance_id, due_at, first_id) VALUES (new.instance_id, new.visible_at, new.id)
          ON CONFLICT(instance_id) DO UPDATE SET due_at = excluded.due_at, first_id = excluded.first_id
          WHERE excluded.due_at < due_at;
      END;
      CREATE TRIGGER IF NOT EXISTS ${this.t.messages}_due_delete AFTER DELETE ON ${this.t.messages} BEGIN
        DELETE FROM ${this.t.due} WHERE instance_id = old.instance_id AND first_id = old.id;
        INSERT OR IGNORE INTO ${this.t.due} (instance_id, due_at, first_id)
          SELECT instance_id, visible_at, id FROM ${this.t.messages} WHERE instance_id = old.instance_id
          ORDER BY visible_at, id LIMIT 1;
      END;
      CREATE TABLE IF NOT EXISTS ${this.t.entities} (
        instance_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        key TEXT NOT NULL,
        scheduler TEXT NOT NULL,
        exists_now INTEGER NOT NULL,
        last_modified INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS ${this.t.activities} (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        instance_id TEXT NOT NULL,
        execution_id TEXT NOT NULL,
        task_id INTEGER NOT NULL,
        name TEXT NOT NULL,
        input TEXT
      );
    `);
    if (!dueExisted) {
      // A store written before the due table existed: index the messages it already holds, once.
      this.db.exec(`
        INSERT OR IGNORE INTO ${this.t.due} (instance_id, due_at, first_id)
          SELECT instance_id, visible_at, id FROM ${this.t.messages} ORDER BY instance_id, visible_at, id;
      `);
    }
  }

  private tableExists(name: string): boolean {
    return (
      this.db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`).get(name) !== undefined
    );
  }

  private sql(text: string): Sqlite.StatementSync {
    let statement = this.statements.get(text);
    if (statement === undefined) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  close(): void {
    if (this.db.isOpen) {
      this.db.close();
    }
  }

  /** Runs `work` in one transaction; any throw rolls everything back. */
  transaction<T>(work: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    const raw = this.sql(`SELECT * FROM ${this.t.instances} WHERE instance_id = ?`).get(instanceId) as
      RawInstance | undefined;
    if (raw === undefined) {
      return undefined;
    }
    this.counters.instanceReads += 1;
    return toInstance(raw);
  }

  upsertInstance(row: InstanceRow): void {
    this.sql(
      `INSERT INTO ${this.t.instances} (instance_id, name, version, execution_id, runtime_status, input, output,
           custom_status, created_time, last_updated_time, parent)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(instance_id) DO UPDATE SET name = excluded.name, version = excluded.version,
           execution_id = excluded.execution_id, runtime_status = excluded.runtime_status, input = excluded.input,
           output = excluded.output, custom_status = excluded.custom_status, created_time = excluded.created_time,
           last_updated_time = excluded.last_updated_time, parent = excluded.parent`,
    ).run(
      row.instanceId,
      row.name,
      row.version,
      row.executionId,
      row.runtimeStatus,
      row.input,
      row.output,
      row.customStatus,
      row.createdTime,
      row.lastUpdatedTime,
      row.parent === null ? null : JSON.stringify(row.parent),
    );
    this.counters.writes += 1;
  }

  /**
   * Instances in id order, as the Azure Storage provider pages them (its instances table is keyed by id).
   * An id prefix is a key range and a status list is served by an index, so a page with either reads about
   * as many rows as it returns; a time window alone still filters as it goes, as it does on Azure Storage.
   */
  queryInstances(filter: InstanceFilter): InstanceRow[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.createdTimeFrom !== undefined) {
      where.push('created_time >= ?');
      params.push(filter.createdTimeFrom);
    }
    if (filter.createdTimeTo !== undefined) {
      where.push('created_time <= ?');
      params.push(filter.createdTimeTo);
    }
    if (filter.runtimeStatus !== undefined && filter.runtimeStatus.length > 0) {
      where.push(`runtime_status IN (${filter.runtimeStatus.map(() => '?').join(', ')})`);
      params.push(...filter.runtimeStatus);
    }
    if (filter.instanceIdPrefix !== undefined && filter.instanceIdPrefix !== '') {
      where.push('instance_id >= ? AND instance_id < ?');
      params.push(filter.instanceIdPrefix, filter.instanceIdPrefix + PREFIX_END);
    }
    if (filter.afterInstanceId !== undefined) {
      where.push('instance_id > ?');
      params.push(filter.afterInstanceId);
    }
    let sql =
      `SELECT * FROM ${this.t.instances}` +
      (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
      ' ORDER BY instance_id';
    if (filter.limit !== undefined) {
      sql += ' LIMIT ?';
      params.push(Math.max(0, Math.floor(filter.limit)));
    }
    const rows = this.sql(sql).all(...params) as unknown as RawInstance[];
    this.counters.instanceReads += rows.length;
    return rows.map(toInstance);
  }

  stats(): StoreStats {
    return { ...this.counters };
  }

  deleteInstance(instanceId: string): number {
    for (const table of [this.t.history, this.t.messages, this.t.activities]) {
      this.counters.writes += Number(
        this.sql(`DELETE FROM ${table} WHERE instance_id = ?`).run(instanceId).changes,
      );
    }
    const deleted = Number(
      this.sql(`DELETE FROM ${this.t.instances} WHERE instance_id = ?`).run(instanceId).changes,
    );
    this.counters.writes += deleted;
    return deleted;
  }

  loadHistory(instanceId: string): HistoryEvent[] {
    const rows = this.sql(`SELECT event FROM ${this.t.history} WHERE instance_id = ? ORDER BY seq`).all(
      instanceId,
    ) as { event: string }[];
    this.counters.historyReads += rows.length;
    return rows.map((row) => JSON.parse(row.event) as HistoryEvent);
  }

  /** Replaces the instance's history (a new execution) or appends to it. */
  writeHistory(instanceId: string, executionId: string, events: HistoryEvent[], replace: boolean): void {
    let next = 0;
    if (replace) {
      this.counters.writes += Number(
        this.sql(`DELETE FROM ${this.t.history} WHERE instance_id = ?`).run(instanceId).changes,
      );
    } else {
      const row = this.sql(
        `SELECT COALESCE(MAX(seq), -1) AS seq FROM ${this.t.history} WHERE instance_id = ?`,
      ).get(instanceId) as { seq: number };
      next = row.seq + 1;
    }
    const insert = this.sql(
      `INSERT INTO ${this.t.history} (instance_id, seq, execution_id, event) VALUES (?, ?, ?, ?)`,
    );
    for (const event of events) {
      insert.run(instanceId, next++, executionId, JSON.stringify(event));
    }
    this.counters.writes += events.length;
    this.counters.historyWrites += events.length;
    this.counters.largestExecutionHistory = Math.max(this.counters.largestExecutionHistory, next);
  }

  insertMessage(message: NewMessage): number {
    const result = this.sql(
      `INSERT INTO ${this.t.messages} (instance_id, execution_id, event, visible_at) VALUES (?, ?, ?, ?)`,
    ).run(message.instanceId, message.executionId, JSON.stringify(message.event), message.visibleAt);
    this.counters.writes += 1;
    if (message.instanceId.startsWith('@')) {
      this.counters.entityMessages += 1;
    }
    return Number(result.lastInsertRowid);
  }

  deleteMessages(ids: number[]): void {
    const statement = this.sql(`DELETE FROM ${this.t.messages} WHERE id = ?`);
    for (const id of ids) {
      this.counters.writes += Number(statement.run(id).changes);
    }
  }

  /**
   * Up to `limit` instances with a visible message, the one whose earliest message came due first at the
   * head. Reads `limit` rows of the due index, however many messages are waiting.
   */
  readyInstanceIds(now: number, limit: number): string[] {
    const rows = this.sql(
      `SELECT instance_id FROM ${this.t.due} WHERE due_at <= ? ORDER BY due_at, first_id LIMIT ?`,
    ).all(now, limit) as { instance_id: string }[];
    return rows.map((row) => row.instance_id);
  }

  readyMessages(instanceId: string, now: number): MessageRow[] {
    const rows = this.sql(
      `SELECT id, instance_id, execution_id, event, visible_at FROM ${this.t.messages}
         WHERE instance_id = ? AND visible_at <= ? ORDER BY id`,
    ).all(instanceId, now) as {
      id: number;
      instance_id: string;
      execution_id: string | null;
      event: string;
      visible_at: number;
    }[];
    this.counters.queueReads += rows.length;
    return rows.map((row) => ({
      id: row.id,
      instanceId: row.instance_id,
      executionId: row.execution_id,
      event: JSON.parse(row.event) as HistoryEvent,
      visibleAt: row.visible_at,
    }));
  }

  /** Messages that are not visible yet (timers), for re-arming on the clock. */
  futureMessages(now: number): { id: number; visibleAt: number }[] {
    const rows = this.sql(
      `SELECT id, visible_at FROM ${this.t.messages} WHERE visible_at > ? ORDER BY visible_at, id`,
    ).all(now) as { id: number; visible_at: number }[];
    return rows.map((row) => ({ id: row.id, visibleAt: row.visible_at }));
  }

  messageIdsFor(instanceId: string): number[] {
    const rows = this.sql(`SELECT id FROM ${this.t.messages} WHERE instance_id = ?`).all(instanceId) as {
      id: number;
    }[];
    return rows.map((row) => row.id);
  }

  insertActivity(activity: NewActivity): number {
    const result = this.sql(
      `INSERT INTO ${this.t.activities} (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)`,
    ).run(activity.instanceId, activity.executionId, activity.taskId, activity.name, activity.input ?? null);
    this.counters.writes += 1;
    return Number(result.lastInsertRowid);
  }

  /** The `limit` oldest activity work items (running ones stay queued until they complete). */
  pendingActivities(limit: number): ActivityRow[] {
    const rows = this.sql(
      `SELECT id, instance_id, execution_id, task_id, name, input FROM ${this.t.activities} ORDER BY id LIMIT ?`,
    ).all(limit) as {
      id: number;
      instance_id: string;
      execution_id: string;
      task_id: number;
      name: string;
      input: string | null;
    }[];
    this.counters.queueReads += rows.length;
    return rows.map((row) => ({
      id: row.id,
      instanceId: row.instance_id,
      executionId: row.execution_id,
      taskId: row.task_id,
      name: row.name,
      input: row.input ?? undefined,
    }));
  }

  /** True when the row existed (it was not purged meanwhile). */
  deleteActivity(id: number): boolean {
    const deleted = Number(this.sql(`DELETE FROM ${this.t.activities} WHERE id = ?`).run(id).changes);
    this.counters.writes += deleted;
    return deleted > 0;
  }

  getEntity(instanceId: string): EntityRow | undefined {
    const raw = this.sql(
      `SELECT instance_id, name, key, scheduler, last_modified FROM ${this.t.entities} WHERE instance_id = ?`,
    ).get(instanceId) as RawEntity | undefined;
    if (raw === undefined) {
      return undefined;
    }
    this.counters.instanceReads += 1;
    return toEntity(raw);
  }

  upsertEntity(row: EntityRow): void {
    this.sql(
      `INSERT INTO ${this.t.entities} (instance_id, name, key, scheduler, exists_now, last_modified)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(instance_id) DO UPDATE SET scheduler = excluded.scheduler, exists_now = excluded.exists_now,
           last_modified = excluded.last_modified`,
    ).run(
      row.instanceId,
      row.name,
      row.key,
      JSON.stringify(row.scheduler),
      row.scheduler.exists ? 1 : 0,
      row.lastModified,
    );
    this.counters.writes += 1;
  }

  deleteEntity(instanceId: string): void {
    this.counters.writes += Number(
      this.sql(`DELETE FROM ${this.t.entities} WHERE instance_id = ?`).run(instanceId).changes,
    );
  }

  /** Entities that hold state, in scheduler-ID order (the primary key: a page costs its own size). */
  queryEntities(filter: EntityFilter): EntityRow[] {
    const where = ['exists_now = 1'];
    const params: SqlValue[] = [];
    if (filter.name !== undefined) {
      // A range on the primary key, so a page of one name never walks the entities of other names.
      const prefix = `@${filter.name}@`;
      where.push('instance_id > ? AND instance_id < ?');
      params.push(prefix, prefix + PREFIX_END);
    }
    if (filter.after !== undefined) {
      where.push('instance_id > ?');
      params.push(filter.after);
    }
    if (filter.lastModifiedFrom !== undefined) {
      where.push('last_modified >= ?');
      params.push(filter.lastModifiedFrom);
    }
    if (filter.lastModifiedTo !== undefined) {
      where.push('last_modified <= ?');
      params.push(filter.lastModifiedTo);
    }
    params.push(filter.limit === undefined ? -1 : Math.max(0, Math.floor(filter.limit)));
    const rows = this.sql(
      `SELECT instance_id, name, key, scheduler, last_modified FROM ${this.t.entities}
         WHERE ${where.join(' AND ')} ORDER BY instance_id LIMIT ?`,
    ).all(...params) as unknown as RawEntity[];
    this.counters.instanceReads += rows.length;
    return rows.map(toEntity);
  }

  /** True when some activity waits or runs, or some message is visible at `now`. */
  hasWork(now: number): boolean {
    return (
      this.sql(`SELECT 1 FROM ${this.t.activities} LIMIT 1`).get() !== undefined ||
      this.sql(`SELECT 1 FROM ${this.t.due} WHERE due_at <= ? LIMIT 1`).get(now) !== undefined
    );
  }
}
