/**
 * The asynchronous shape of `Store` (store.ts) that the PostgreSQL store implements and the
 * store contract suite tests: every method of the store and of its concern stores returns a
 * promise of what it returns today; callbacks passed in stay synchronous and run inside the
 * store's transaction. Adds `ping` and `onUnitsQueued`. A stand-in, in this one file, for the
 * asynchronous `Store` interface: every PostgreSQL module imports the store's types from here.
 * @module
 */
import type { Store } from "../store.js";

export type * from "../store.js";

/** `T` with every method returning a promise of its result, nested objects likewise. */
export type Async<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R
    ? (...args: A) => Promise<Awaited<R>>
    : Async<T[K]>;
};

/** The coordinator's storage, asynchronous. */
export interface AsyncStore extends Async<Store> {
  /** Resolves when the database answers; throws (STORE_ERROR_UNAVAILABLE) when it does not. */
  ping(): Promise<void>;
  /**
   * Calls `listener` when units become queued by any coordinator sharing the database;
   * returns the unsubscribe.
   */
  onUnitsQueued(listener: () => void): () => void;
}
