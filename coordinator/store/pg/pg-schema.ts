/**
 * The PostgreSQL store's schema as versioned migrations (applied by migrate.ts): version 1 is
 * every table of the SQLite store (sqlite-schema.ts and the concern stores' own tables) in
 * PostgreSQL types: BIGINT for times in ms, steps and micro-token amounts, BYTEA for bytes,
 * NUMERIC for the ledger's total work, BOOLEAN for flags, identity columns for sequences.
 * A trigger notifies UNITS_QUEUED_CHANNEL whenever a unit becomes queued (a job created, a
 * next generation, a lease expired or revoked), whoever queues it; PostgreSQL sends it when
 * the transaction commits, once per transaction.
 * A later change is a new migration appended to the list, never an edit of an applied one.
 * @module
 */
import type { Migration } from "./migrate.js";

/** The channel notified when units become queued (pg-listen.ts listens to it). */
export const UNITS_QUEUED_CHANNEL = "foldnet_units_queued";

const CORE = `
CREATE TABLE jobs (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, sequence TEXT NOT NULL, lattice TEXT NOT NULL,
  model TEXT NOT NULL DEFAULT 'hp', cooperate BOOLEAN NOT NULL DEFAULT false,
  steps BIGINT NOT NULL, trajectories INTEGER NOT NULL, generations INTEGER NOT NULL,
  unit_steps BIGINT NOT NULL, checkpoint_interval BIGINT NOT NULL, replicas INTEGER NOT NULL,
  target_energy INTEGER, status TEXT NOT NULL, best_energy INTEGER, best_fold TEXT, best_unit TEXT,
  steps_done BIGINT NOT NULL DEFAULT 0, units_done INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL, finished_at BIGINT);
CREATE INDEX jobs_running ON jobs (status) WHERE status = 'running';
CREATE TABLE units (
  id TEXT PRIMARY KEY, job_id TEXT NOT NULL REFERENCES jobs(id), trajectory INTEGER NOT NULL,
  generation INTEGER NOT NULL, start_state BYTEA NOT NULL, steps BIGINT NOT NULL, status TEXT NOT NULL,
  source_unit TEXT, UNIQUE (job_id, trajectory, generation));
CREATE INDEX units_queue ON units (job_id, generation, trajectory) WHERE status = 'queued';
CREATE INDEX units_open ON units (job_id) WHERE status IN ('queued', 'leased');
CREATE FUNCTION units_queued_notify() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN PERFORM pg_notify('${UNITS_QUEUED_CHANNEL}', ''); RETURN NULL; END $$;
CREATE TRIGGER units_queued AFTER INSERT OR UPDATE OF status ON units
  FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION units_queued_notify();
CREATE TABLE assignments (
  id TEXT PRIMARY KEY, unit_id TEXT NOT NULL REFERENCES units(id), worker_key TEXT NOT NULL,
  issued_at BIGINT NOT NULL, deadline BIGINT NOT NULL, status TEXT NOT NULL);
CREATE INDEX assignments_active ON assignments (deadline) WHERE status = 'active';
CREATE INDEX assignments_unit ON assignments (unit_id);
CREATE INDEX assignments_worker ON assignments (worker_key, status);
CREATE TABLE commits (
  assignment_id TEXT PRIMARY KEY, merkle_root BYTEA NOT NULL, segments INTEGER NOT NULL);
CREATE TABLE results (
  unit_id TEXT PRIMARY KEY REFERENCES units(id), assignment_id TEXT NOT NULL UNIQUE,
  worker_key TEXT NOT NULL, best_energy INTEGER NOT NULL, best_fold TEXT NOT NULL, steps BIGINT NOT NULL,
  final_state BYTEA NOT NULL, final_state_hash BYTEA NOT NULL, merkle_root BYTEA NOT NULL,
  segments_checked INTEGER NOT NULL, reward BIGINT NOT NULL, accepted_at BIGINT NOT NULL,
  job_seq INTEGER);
CREATE INDEX results_worker ON results (worker_key);
CREATE TABLE workers (
  key TEXT PRIMARY KEY, key_id TEXT NOT NULL, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL,
  accepted INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  strikes INTEGER NOT NULL DEFAULT 0, banned BOOLEAN NOT NULL DEFAULT false,
  steps_verified BIGINT NOT NULL DEFAULT 0, name TEXT NOT NULL DEFAULT '');
CREATE INDEX workers_last_seen ON workers (last_seen);
CREATE TABLE api_keys (hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE ledger_pending (seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, entry BYTEA NOT NULL);
CREATE TABLE ledger_blocks (
  height INTEGER PRIMARY KEY, hash BYTEA NOT NULL, header BYTEA NOT NULL, signature BYTEA NOT NULL,
  timestamp BIGINT NOT NULL, entry_count INTEGER NOT NULL);
CREATE TABLE ledger_entries (
  height INTEGER NOT NULL REFERENCES ledger_blocks(height), idx INTEGER NOT NULL, entry BYTEA NOT NULL,
  PRIMARY KEY (height, idx));
CREATE TABLE ledger_work (id INTEGER PRIMARY KEY CHECK (id = 1), work NUMERIC NOT NULL);
INSERT INTO ledger_work (id, work) VALUES (1, 0);
CREATE TABLE accounts (key TEXT PRIMARY KEY, balance BIGINT NOT NULL, nonce BIGINT NOT NULL);
CREATE INDEX accounts_richest ON accounts (balance DESC, key);
`;

const CONCERNS = `
CREATE TABLE escrows (
  job_id TEXT PRIMARY KEY, funder TEXT NOT NULL, amount BIGINT NOT NULL, budget_steps BIGINT NOT NULL,
  paid BIGINT NOT NULL, refunded BIGINT);
CREATE TABLE bounties (
  unit_id TEXT PRIMARY KEY, job_id TEXT NOT NULL, worker_key TEXT NOT NULL, amount BIGINT NOT NULL);
CREATE INDEX bounties_worker ON bounties (worker_key);
CREATE TABLE teams (worker_key TEXT PRIMARY KEY, team TEXT NOT NULL, since BIGINT NOT NULL);
CREATE TABLE lease_quotas (worker_key TEXT PRIMARY KEY, quota INTEGER NOT NULL);
CREATE TABLE job_owners (job_id TEXT PRIMARY KEY, owner TEXT NOT NULL);
CREATE INDEX job_owners_owner ON job_owners (owner);
CREATE TABLE api_key_roles (hash TEXT PRIMARY KEY, role TEXT NOT NULL, revoked_at BIGINT);
CREATE TABLE private_jobs (job_id TEXT PRIMARY KEY);
CREATE TABLE audit_log (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL,
  action TEXT NOT NULL, target TEXT NOT NULL);
CREATE TABLE account_weights (account TEXT PRIMARY KEY, weight DOUBLE PRECISION NOT NULL);
CREATE TABLE job_priorities (job_id TEXT PRIMARY KEY, priority INTEGER NOT NULL);
CREATE TABLE share_accounts (
  account TEXT PRIMARY KEY, pass DOUBLE PRECISION NOT NULL, job_time DOUBLE PRECISION NOT NULL);
CREATE TABLE share_jobs (job_id TEXT PRIMARY KEY, pass DOUBLE PRECISION NOT NULL);
CREATE TABLE share_time (id INTEGER PRIMARY KEY CHECK (id = 0), time DOUBLE PRECISION NOT NULL);
CREATE TABLE batches (
  id TEXT PRIMARY KEY, owner TEXT NOT NULL, size INTEGER NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE batch_jobs (
  batch_id TEXT NOT NULL, line INTEGER NOT NULL, job_id TEXT NOT NULL UNIQUE,
  PRIMARY KEY (batch_id, line));
CREATE TABLE job_inputs (job_id TEXT PRIMARY KEY, amino_acids TEXT NOT NULL, scale TEXT NOT NULL);
CREATE TABLE job_webhooks (
  job_id TEXT PRIMARY KEY, url TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL DEFAULT 0);
CREATE INDEX job_webhooks_due ON job_webhooks (next_at) WHERE state = 'pending';
`;

/** Every schema version, in order. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "the SQLite store's tables", sql: CORE + CONCERNS },
];
