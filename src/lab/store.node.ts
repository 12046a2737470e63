/// <reference types="node" />
// The run store: every run's options, code version, machine, times, status, metrics and
// artifacts in one SQLite file, $DLAB_HOME/runs.db (default ~/.dlab). WAL mode and a busy timeout
// let the parallel trials of a sweep, each its own process, write to it at the same time.

import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Metrics } from './experiment.js';
import { codeVersion, machine, type Machine } from './provenance.node.js';

export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';

export interface RunRecord {
  id: number;
  experiment: string;
  /** As the run used them; null where an option had no value. */
  options: Record<string, number | string | boolean | null>;
  codeVersion: string;
  machine: Machine;
  startedAt: string;
  endedAt: string | null;
  status: RunStatus;
  /** The metrics run() returned (null until the run completes). */
  final: Metrics | null;
  sweepId: number | null;
  error: string | null;
  /** The host and process that run (or last ran) it: a 'running' run whose process is gone died. */
  host: string | null;
  pid: number | null;
  /** --checkpoint-every of the run (a resume keeps it); null in databases older than the column. */
  checkpointEvery: number | null;
  /** The user's file the experiment came from (`dlab run ./file.ts`); null for a built-in one. */
  source: string | null;
}

export interface MetricRow {
  id: number;
  step: number | null;
  epoch: number | null;
  name: string;
  value: number;
}

export interface ArtifactRow {
  id: number;
  kind: string;
  name: string;
  path: string;
}

export interface SweepRecord {
  id: number;
  experiment: string;
  spec: Record<string, unknown>;
  createdAt: string;
}

/** $DLAB_HOME, or ~/.dlab. */
export function dlabHome(): string {
  return process.env.DLAB_HOME || join(os.homedir(), '.dlab');
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sweeps (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment TEXT NOT NULL,
  spec TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  experiment TEXT NOT NULL,
  options TEXT NOT NULL,
  code_version TEXT NOT NULL,
  machine TEXT NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'interrupted')),
  final TEXT,
  sweep_id INTEGER REFERENCES sweeps(id),
  error TEXT,
  host TEXT,
  pid INTEGER,
  checkpoint_every INTEGER,
  source TEXT
);
CREATE TABLE IF NOT EXISTS metrics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  step INTEGER,
  epoch INTEGER,
  name TEXT NOT NULL,
  value REAL
);
CREATE INDEX IF NOT EXISTS metrics_run ON metrics(run_id, name);
CREATE TABLE IF NOT EXISTS artifacts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  UNIQUE (run_id, kind, name)
);
`;

interface RunRow {
  id: number;
  experiment: string;
  options: string;
  code_version: string;
  machine: string;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  final: string | null;
  sweep_id: number | null;
  error: string | null;
  host: string | null;
  pid: number | null;
  checkpoint_every: number | null;
  source: string | null;
}

const toRecord = (r: RunRow): RunRecord => ({
  id: r.id,
  experiment: r.experiment,
  options: JSON.parse(r.options),
  codeVersion: r.code_version,
  machine: JSON.parse(r.machine),
  startedAt: r.started_at,
  endedAt: r.ended_at,
  status: r.status,
  final: r.final === null ? null : JSON.parse(r.final),
  sweepId: r.sweep_id,
  error: r.error,
  host: r.host,
  pid: r.pid,
  checkpointEvery: r.checkpoint_every,
  source: r.source ?? null,
});

const now = () => new Date().toISOString();

/** Open the store's file; one that is not SQLite (or is damaged) is named, with what to do about it. */
function openDatabase(path: string): Database.Database {
  let db: Database.Database | undefined;
  try {
    db = new Database(path);
    // The busy timeout first, so that even switching to WAL waits for another process's lock.
    db.pragma('busy_timeout = 10000');
    db.pragma('schema_version'); // the first read of the file
    return db;
  } catch (e) {
    db?.close();
    const { code, message } = e as { code?: string; message: string };
    const broken = code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT';
    throw new Error(`run store ${path}: ${message}${broken ? `; move it aside (mv '${path}' '${path}.broken') and dlab starts a new one` : ''}`);
  }
}

export class RunStore {
  readonly home: string;
  readonly db: Database.Database;

  constructor(home: string = dlabHome()) {
    this.home = home;
    mkdirSync(home, { recursive: true });
    this.db = openDatabase(join(home, 'runs.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    // Databases made before runs had host and pid, checkpoint_every or source get the columns.
    const columns = (this.db.prepare('PRAGMA table_info(runs)').all() as { name: string }[]).map((c) => c.name);
    if (!columns.includes('pid')) this.db.exec('ALTER TABLE runs ADD COLUMN host TEXT; ALTER TABLE runs ADD COLUMN pid INTEGER;');
    if (!columns.includes('checkpoint_every')) this.db.exec('ALTER TABLE runs ADD COLUMN checkpoint_every INTEGER;');
    if (!columns.includes('source')) this.db.exec('ALTER TABLE runs ADD COLUMN source TEXT;');
  }

  /** The folder for a run's files (checkpoint, artifacts, report). */
  runDir(id: number): string {
    const dir = join(this.home, 'runs', String(id));
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  createRun(experiment: string, options: Record<string, unknown>, sweepId: number | null = null, checkpointEvery: number | null = null, source: string | null = null): number {
    const info = this.db
      .prepare(
        `INSERT INTO runs (experiment, options, code_version, machine, started_at, status, sweep_id, host, pid, checkpoint_every, source)
         VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?, ?)`,
      )
      .run(experiment, JSON.stringify(options), codeVersion(), JSON.stringify(machine()), now(), sweepId, os.hostname(), process.pid, checkpointEvery, source);
    return Number(info.lastInsertRowid);
  }

  /** Record one or more metrics at a step and/or epoch; returns the last row id. */
  logMetrics(runId: number, metrics: Record<string, number>, at: { step?: number; epoch?: number }): number {
    const insert = this.db.prepare('INSERT INTO metrics (run_id, step, epoch, name, value) VALUES (?, ?, ?, ?, ?)');
    let last = 0;
    this.db.transaction(() => {
      for (const [name, value] of Object.entries(metrics)) {
        last = Number(insert.run(runId, at.step ?? null, at.epoch ?? null, name, Number.isFinite(value) ? value : null).lastInsertRowid);
      }
    })();
    return last;
  }

  /** The highest metric row id of a run (a checkpoint remembers it), 0 if none. */
  lastMetricId(runId: number): number {
    const row = this.db.prepare('SELECT MAX(id) AS m FROM metrics WHERE run_id = ?').get(runId) as { m: number | null };
    return row.m ?? 0;
  }

  /** On resume: forget the metrics logged after the checkpoint, which the resumed run logs again. */
  deleteMetricsAfter(runId: number, id: number): void {
    this.db.prepare('DELETE FROM metrics WHERE run_id = ? AND id > ?').run(runId, id);
  }

  metrics(runId: number, name?: string): MetricRow[] {
    const rows =
      name === undefined
        ? this.db.prepare('SELECT id, step, epoch, name, value FROM metrics WHERE run_id = ? ORDER BY id').all(runId)
        : this.db.prepare('SELECT id, step, epoch, name, value FROM metrics WHERE run_id = ? AND name = ? ORDER BY id').all(runId, name);
    return (rows as (MetricRow & { value: number | null })[]).map((r) => ({ ...r, value: r.value ?? NaN }));
  }

  /**
   * Copy a run recorded in another store (a queue worker's) into this one, as a trial of `sweepId`,
   * with its metric rows, in one transaction; returns its id here. Its files stay where it ran.
   */
  importRun(run: RunRecord, metrics: Omit<MetricRow, 'id'>[], sweepId: number): number {
    return this.db.transaction(() => {
      const info = this.db
        .prepare(
          `INSERT INTO runs (experiment, options, code_version, machine, started_at, ended_at, status, final, sweep_id, error, host, pid, checkpoint_every, source)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          run.experiment,
          JSON.stringify(run.options),
          run.codeVersion,
          JSON.stringify(run.machine),
          run.startedAt,
          run.endedAt,
          run.status,
          run.final && JSON.stringify(run.final),
          sweepId,
          run.error,
          run.host,
          run.pid,
          run.checkpointEvery,
          run.source ?? null,
        );
      const id = Number(info.lastInsertRowid);
      const insert = this.db.prepare('INSERT INTO metrics (run_id, step, epoch, name, value) VALUES (?, ?, ?, ?, ?)');
      // Sent as JSON, a non-finite value arrives as null, which is how it is stored.
      for (const m of metrics) insert.run(id, m.step, m.epoch, m.name, Number.isFinite(m.value) ? m.value : null);
      return id;
    })();
  }

  /** Record (or replace) an artifact file of a run. */
  addArtifact(runId: number, kind: string, name: string, path: string): void {
    this.db
      .prepare('INSERT INTO artifacts (run_id, kind, name, path) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, kind, name) DO UPDATE SET path = excluded.path')
      .run(runId, kind, name, path);
  }

  artifacts(runId: number, kind?: string): ArtifactRow[] {
    const rows =
      kind === undefined
        ? this.db.prepare('SELECT id, kind, name, path FROM artifacts WHERE run_id = ? ORDER BY id').all(runId)
        : this.db.prepare('SELECT id, kind, name, path FROM artifacts WHERE run_id = ? AND kind = ? ORDER BY id').all(runId, kind);
    return rows as ArtifactRow[];
  }

  /** Record how a running run ended. Its outcome is written once: a run no longer running keeps it. */
  finish(runId: number, status: Exclude<RunStatus, 'running'>, final: Metrics | null = null, error: string | null = null): void {
    this.db
      .prepare("UPDATE runs SET status = ?, ended_at = ?, final = ?, error = ? WHERE id = ? AND status = 'running'")
      .run(status, now(), final && JSON.stringify(final), error, runId);
  }

  /**
   * Make `run` (as read: interrupted, failed or dead; never completed) this process's running run,
   * with its checkpoint interval. Compares and sets in one statement, so of processes resuming it
   * at once exactly one gets true; the others false (the run changed since they read it).
   */
  claim(run: RunRecord, checkpointEvery: number | null = run.checkpointEvery): boolean {
    const info = this.db
      .prepare(
        `UPDATE runs SET status = 'running', ended_at = NULL, error = NULL, host = ?, pid = ?, checkpoint_every = ?
         WHERE id = ? AND status = ? AND status <> 'completed' AND host IS ? AND pid IS ?`,
      )
      .run(os.hostname(), process.pid, checkpointEvery, run.id, run.status, run.host, run.pid);
    return info.changes === 1;
  }

  /** A 'running' run whose process no longer exists on this host (killed, crashed, power cut). */
  isOrphaned(run: RunRecord): boolean {
    if (run.status !== 'running' || run.pid === null || run.host !== os.hostname()) return false;
    try {
      process.kill(run.pid, 0);
      return false;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  getRun(id: number): RunRecord {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (!row) throw new Error(`no run ${id} in ${join(this.home, 'runs.db')}`);
    return toRecord(row);
  }

  listRuns(filter: { experiment?: string; sweepId?: number; limit?: number } = {}): RunRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (filter.experiment !== undefined) {
      where.push('experiment = ?');
      args.push(filter.experiment);
    }
    if (filter.sweepId !== undefined) {
      where.push('sweep_id = ?');
      args.push(filter.sweepId);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    args.push(filter.limit ?? -1);
    return (this.db.prepare(sql).all(...args) as RunRow[]).map(toRecord);
  }

  createSweep(experiment: string, spec: Record<string, unknown>): number {
    const info = this.db.prepare('INSERT INTO sweeps (experiment, spec, created_at) VALUES (?, ?, ?)').run(experiment, JSON.stringify(spec), now());
    return Number(info.lastInsertRowid);
  }

  getSweep(id: number): SweepRecord {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE id = ?').get(id) as { id: number; experiment: string; spec: string; created_at: string } | undefined;
    if (!row) throw new Error(`no sweep ${id}`);
    return { id: row.id, experiment: row.experiment, spec: JSON.parse(row.spec), createdAt: row.created_at };
  }

  close(): void {
    this.db.close();
  }
}
