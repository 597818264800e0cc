/**
 * The async `Store` over a synchronous implementation (the embedded SQLite store): each call
 * runs to completion before it returns — better-sqlite3 is synchronous, so one call's
 * transaction is never interleaved with another's — and its value, or its error, is handed
 * back as a settled promise. `Synchronous<T>` is the shape such an implementation has.
 * @module
 */
import type { Store } from "./store.js";

/** `T` with every promise-returning method returning its value directly, concern stores too. */
export type Synchronous<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R>
    ? (...args: A) => R
    : T[K] extends (...args: infer A) => infer R
      ? (...args: A) => R
      : Synchronous<T[K]>;
};

/** A store whose every method (but the subscription) answers at once. */
export type SynchronousStore = Synchronous<Store>;

/** Methods that return their value as it is (not a promise). */
const IMMEDIATE: ReadonlySet<PropertyKey> = new Set(["onUnitsQueued"]);

/** `sync` seen through promises: the `Store` the coordinator takes. */
export function settledStore(sync: SynchronousStore): Store {
  return settle(sync) as Store;
}

function settle(target: object): object {
  // wrappers by property, rebuilt when the property itself changes (a test's spy)
  const wrapped = new Map<PropertyKey, { original: unknown; out: unknown }>();
  return new Proxy(target, {
    get(obj, name) {
      const value: unknown = Reflect.get(obj, name);
      const known = wrapped.get(name);
      if (known !== undefined && known.original === value) return known.out;
      let out = value;
      if (typeof value === "function" && !IMMEDIATE.has(name)) {
        out = (...args: unknown[]) => {
          try {
            return Promise.resolve(value.apply(obj, args));
          } catch (error) {
            return Promise.reject(error);
          }
        };
      } else if (typeof value === "object" && value !== null) {
        out = settle(value);
      }
      wrapped.set(name, { original: value, out });
      return out;
    },
  });
}
