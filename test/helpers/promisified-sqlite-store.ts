/**
 * Today's synchronous SqliteStore in the asynchronous shape of the store
 * (coordinator/store/pg/async-store-shape.ts), so the store contract suite runs against
 * SQLite too: every method, and every method of its concern stores, returns a promise of what
 * it returns (a throw becomes a rejection). `onUnitsQueued` never calls its listener (the
 * coordinator wakes its own parked requests) and `ping` always resolves. To be removed when
 * SqliteStore itself is asynchronous.
 * @module
 */
import type { AsyncStore } from "../../coordinator/store/pg/async-store-shape.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";

/** The concern stores, promisified in turn. */
const CONCERNS = new Set([
  "stats",
  "escrows",
  "limits",
  "access",
  "shares",
  "batches",
  "inputs",
  "folds",
  "webhooks",
]);

function promisify(target: object, nested: boolean): object {
  return new Proxy(target, {
    get(t, prop) {
      const value = Reflect.get(t, prop, t) as unknown;
      if (nested && typeof prop === "string" && CONCERNS.has(prop))
        return promisify(value as object, false);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(t, args);
    },
  });
}

/** An in-memory (or file) SqliteStore as an AsyncStore. */
export function promisifiedSqliteStore(file = ":memory:"): AsyncStore {
  const store = new SqliteStore(file);
  const extra = {
    ping: async () => undefined,
    onUnitsQueued: () => () => undefined,
  };
  const wrapped = promisify(store, true) as AsyncStore;
  return new Proxy(wrapped, {
    get(t, prop) {
      return prop in extra ? extra[prop as keyof typeof extra] : Reflect.get(t, prop);
    },
  });
}
