/**
 * The one error base of foldnet: every module throws a `FoldnetError` whose `type` is a
 * discriminated union keyed by a string `code` with a domain prefix (`SIM_ERROR_…`,
 * `FRAME_ERROR_…`, `RESULT_ERROR_…`). `toObject()` turns it into plain data that crosses
 * piscina threads and the wire; `fromObject()` turns it back.
 * @module
 */

/** Metadata every error type carries: at least its code. */
export type ErrorType = { code: string };

/** What a verifier does with a rejected result: penalize the sender, or just drop it. */
export enum ErrorAction {
  /** The sender is at fault (a lie, a forgery): reject and strike. */
  REJECT = "REJECT",
  /** Stale or duplicate: drop without penalty. */
  IGNORE = "IGNORE",
}

/** A typed foldnet error. `T` is a union of `{code: …, …metadata}` objects. */
export class FoldnetError<T extends ErrorType = ErrorType> extends Error {
  readonly type: T;

  constructor(type: T, message?: string) {
    super(message ?? type.code);
    this.type = type;
    this.name = "FoldnetError";
  }

  /** The error's code, e.g. `SIM_ERROR_BAD_SEQUENCE`. */
  get code(): T["code"] {
    return this.type.code;
  }

  /** Plain data for structured clone, JSON and error frames. */
  toObject(): { message: string } & T {
    return { ...this.type, message: this.message };
  }

  /** Rebuilds an error sent as `toObject()` (e.g. from a piscina thread). */
  static fromObject(obj: { code: string; message?: string }): FoldnetError {
    const { message, ...type } = obj;
    return new FoldnetError(type, message);
  }
}

/** A broken internal invariant: a bug in foldnet, never the caller's fault. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvariantError";
  }
}

/** True when `err` is a FoldnetError, optionally with the given code. */
export function isFoldnetError(err: unknown, code?: string): err is FoldnetError {
  return err instanceof FoldnetError && (code === undefined || err.code === code);
}
