/**
 * The core tables of the embedded SQLite store (jobs, units, leases, results, workers, the
 * ledger and its accounts), created when a database is opened. The concern-specific stores
 * (escrows, stats, limits, access, batches, inputs, folds, webhooks, fair share) create their
 * own tables. docs/coordinator.md lists them all.
 * @module
 */

/**
 * Columns added to tables of SCHEMA after databases were created with it: each is added on
 * open where missing (`ALTER TABLE … ADD COLUMN`, whose default fills existing rows), so an
 * older database opens unchanged otherwise.
 */
export const ADDED_COLUMNS: readonly { table: string; column: string; definition: string }[] = [
  /** The sanitised name of the worker's last hello (issue 14); "" for none. */
  { table: "workers", column: "name", definition: "TEXT NOT NULL DEFAULT ''" },
  /** The energy model and cooperation of a job (issue 16): jobs from before are HP, alone. */
  { table: "jobs", column: "model", definition: "TEXT NOT NULL DEFAULT 'hp'" },
  { table: "jobs", column: "cooperate", definition: "INTEGER NOT NULL DEFAULT 0" },
  /** The unit a unit's start state came from; its result's place in its job's acceptances. */
  { table: "units", column: "source_unit", definition: "TEXT" },
  { table: "results", column: "job_seq", definition: "INTEGER" },
];

/** Created on open; every statement is idempotent. */
export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, sequence TEXT NOT NULL, lattice TEXT NOT NULL,
  steps INTEGER NOT NULL, trajectories INTEGER NOT NULL, generations INTEGER NOT NULL,
  unit_steps INTEGER NOT NULL, checkpoint_interval INTEGER NOT NULL, replicas INTEGER NOT NULL,
  target_energy INTEGER, status TEXT NOT NULL, best_energy INTEGER, best_fold TEXT, best_unit TEXT,
  steps_done INTEGER NOT NULL DEFAULT 0, units_done INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL, finished_at INTEGER);
CREATE TABLE IF NOT EXISTS units (
  id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), trajectory INTEGER NOT NULL,
  generation INTEGER NOT NULL, start_state BLOB NOT NULL, steps INTEGER NOT NULL, status TEXT NOT NULL,
  UNIQUE (job_id, trajectory, generation));
CREATE INDEX IF NOT EXISTS units_queue ON units (status, job_id, generation, trajectory);
CREATE TABLE IF NOT EXISTS assignments (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), worker_key TEXT NOT NULL,
  issued_at INTEGER NOT NULL, deadline INTEGER NOT NULL, status TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS assignments_active ON assignments (status, deadline);
CREATE INDEX IF NOT EXISTS assignments_worker ON assignments (worker_key, status);
CREATE TABLE IF NOT EXISTS commits (
  assignment_id TEXT PRIMARY KEY, merkle_root BLOB NOT NULL, segments INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS results (
  unit_id TEXT PRIMARY KEY REFERENCES units(id), assignment_id TEXT NOT NULL UNIQUE,
  worker_key TEXT NOT NULL, best_energy INTEGER NOT NULL, best_fold TEXT NOT NULL, steps INTEGER NOT NULL,
  final_state BLOB NOT NULL, final_state_hash BLOB NOT NULL, merkle_root BLOB NOT NULL,
  segments_checked INTEGER NOT NULL, reward TEXT NOT NULL, accepted_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS workers (
  key TEXT PRIMARY KEY, key_id TEXT NOT NULL, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,
  accepted INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  strikes INTEGER NOT NULL DEFAULT 0, banned INTEGER NOT NULL DEFAULT 0,
  steps_verified INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS api_keys (hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_pending (seq INTEGER PRIMARY KEY AUTOINCREMENT, entry BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_blocks (
  height INTEGER PRIMARY KEY, hash BLOB NOT NULL, header BLOB NOT NULL, signature BLOB NOT NULL,
  timestamp INTEGER NOT NULL, entry_count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ledger_entries (
  height INTEGER NOT NULL REFERENCES ledger_blocks(height), idx INTEGER NOT NULL, entry BLOB NOT NULL,
  PRIMARY KEY (height, idx));
CREATE TABLE IF NOT EXISTS ledger_work (id INTEGER PRIMARY KEY CHECK (id = 1), work TEXT NOT NULL);
INSERT OR IGNORE INTO ledger_work (id, work) VALUES (1, '0');
CREATE TABLE IF NOT EXISTS accounts (key TEXT PRIMARY KEY, balance TEXT NOT NULL, nonce TEXT NOT NULL);
`;
