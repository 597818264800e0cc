/**
 * The store named on the command line (`--db`): an SQLite file (":memory:" for a throwaway
 * one), embedded and alone, or — with a `postgres://` URL — a PostgreSQL database that
 * several coordinators of one network share. Also where a coordinator's files go by default.
 * @module
 */
import { type Logger, silentLogger } from "../../common/log.js";
import { LeaderLock } from "./pg/leader-lock.js";
import { SEALER_ROLE_LOCK } from "./pg/lock-keys.js";
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

/** How often a coordinator that is not the sealer tries to become it (takeover within this). */
export const SEALER_RETRY_MS = 2_000;

/**
 * Opens the store `db` names; `log` hears a shared database's lost connections and who seals.
 * @throws {StoreError} STORE_ERROR_UNAVAILABLE when a PostgreSQL database cannot be reached.
 */
export async function openStore(db: string, log: Logger = silentLogger): Promise<OpenedStore> {
  if (!isSharedDatabase(db)) return { store: settledStore(new SqliteStore(db)) };
  const store = await openPgStore(db, {
    onPoolError: (err) => log.warn("database connection lost", { error: err.message }),
  });
  const leadership = new LeaderLock(
    { connectionString: db, key: SEALER_ROLE_LOCK, retryMs: SEALER_RETRY_MS },
    (held) => log.info(held ? "this coordinator seals the ledger" : "no longer the sealer"),
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
