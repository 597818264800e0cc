/**
 * The store named on the command line (`--db`): an SQLite file (":memory:" for a throwaway
 * one), embedded and alone, or — with a `postgres://` URL — a PostgreSQL database that
 * several coordinators of one network share. Also where a coordinator's files go by default.
 * @module
 */
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

/** Opens the store `db` names. */
export async function openStore(db: string): Promise<OpenedStore> {
  return { store: settledStore(new SqliteStore(db)) };
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
