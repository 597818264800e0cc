/**
 * Where a coordinator listens and keeps its data unless told otherwise: the one source of these
 * defaults for the library, the HTTP client and every command's options and help text.
 * @module
 */

/** Loopback: a coordinator is reachable from other machines only when told to be. */
export const DEFAULT_HOST = "127.0.0.1";
/** The port of the HTTP API, the worker endpoint, the dashboard and `/metrics`. */
export const DEFAULT_PORT = 7700;
/** The SQLite file of `foldnet coordinator`. */
export const DEFAULT_DB_FILE = "foldnet.db";
/** Verification threads checking spot-check openings. */
export const DEFAULT_VERIFY_THREADS = 1;
/** The coordinator a client talks to: this machine's, unless FOLDNET_COORDINATOR says otherwise. */
export const DEFAULT_COORDINATOR = `http://${DEFAULT_HOST}:${DEFAULT_PORT}`;
