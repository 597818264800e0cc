/**
 * The store named on the command line (`--db`): an SQLite file (":memory:" for a throwaway
 * one), embedded and alone, or — with a `postgres://` URL — a PostgreSQL database that
 * several coordinators of one network share. Also where a coordinator's files go by default.
 * @module
 */
import { LeaderLock } from "./pg/leader-lock.js";
import { openPgStore } from "./pg/pg-store.js";
import { settledStore } from "./settled-store.js";
import { SqliteStore } from "./sqlite-store.js";
import type { Store } from "./store.js";

/** True for a PostgreSQL connection URL (a shared database). */
export const isSharedDatabase = (db: string): boolean => /^postgres(ql)?:\/\//i.test(db);

/** Who is the network's one block sealer (and webhook sender) among its coordinators. */
export interface Leadership {
  /** True while this coordinator holds the role. */
  readonly isHeld: boolean;
  start(): void;
  stop(): Promise<void>;
}

/** A store opened for a coordinator, with the sealer's lock when the store is shared. */
export interface OpenedStore {
  readonly store: Store;
  readonly leadership?: Leadership;
}

/**
 * Key of the sealer's session-level advisory lock ("foldnet" ‖ 3; migrations take ‖ 1 and
 * every sealing transaction ‖ 2, which the holder of this one must still be able to take).
 */
const SEALER_LOCK = 0x666f_6c64_6e65_7403n;

/**
 * How often a coordinator that is not the sealer tries to become it: a dead sealer's role is
 * taken over within this, well inside 10 s.
 */
const SEALER_RETRY_MS = 3_000;

/**
 * Opens the store `db` names: a PostgreSQL database (migrated, listening for queued units)
 * with the sealer's advisory lock to contend for, or an SQLite file, which is its own sealer.
 * @throws {StoreError} STORE_ERROR_UNAVAILABLE when the PostgreSQL database cannot be reached.
 */
export async function openStore(db: string): Promise<OpenedStore> {
  if (!isSharedDatabase(db)) return { store: settledStore(new SqliteStore(db)) };
  const store = await openPgStore(db);
  const leadership = new LeaderLock(
    { connectionString: db, key: SEALER_LOCK, retryMs: SEALER_RETRY_MS },
    () => undefined,
  );
  return { store, leadership };
}

/** The key and minted-API-key files of a coordinator on `db`. */
export interface CoordinatorFiles {
  /** The network's signing key; undefined for an ephemeral one (in-memory database). */
  readonly identityFile: string | undefined;
  /** Where an API key minted at first start is written. */
  readonly mintedApiKeyFile: string | undefined;
}

/**
 * Defaults beside an SQLite file (`FILE.key.json`, `FILE.api-key`). Coordinators sharing a
 * database sign with one network key, which must be given (`--key`); a minted API key goes
 * beside it.
 */
export function coordinatorFiles(db: string, keyFile: string | undefined): CoordinatorFiles {
  if (isSharedDatabase(db))
    return { identityFile: keyFile, mintedApiKeyFile: keyFile && `${keyFile}.api-key` };
  if (db === ":memory:") return { identityFile: keyFile, mintedApiKeyFile: undefined };
  return { identityFile: keyFile ?? `${db}.key.json`, mintedApiKeyFile: `${db}.api-key` };
}
