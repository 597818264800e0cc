/**
 * Error assertions for tests: match a FoldnetError by code and metadata, never by message.
 * @module
 */
import { expect } from "vitest";
import { FoldnetError } from "../../common/errors.js";

/** Asserts that `fn` throws (or rejects with) a FoldnetError whose type contains `type`. */
export async function expectFoldnetError(
  fn: (() => unknown) | Promise<unknown>,
  type: { code: string } & Record<string, unknown>,
): Promise<FoldnetError> {
  let caught: unknown;
  try {
    await (typeof fn === "function" ? fn() : fn);
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a FoldnetError ${type.code}`).toBeInstanceOf(FoldnetError);
  const err = caught as FoldnetError;
  expect(err.type).toMatchObject(type);
  return err;
}
