/**
 * Typed fields of JSON request bodies (hex keys and signatures, decimal u64 amounts): each
 * parser names the field it refuses in an `API_ERROR_BAD_REQUEST`.
 * @module
 */
import { hexToBytes } from "@noble/hashes/utils.js";
import { ApiError } from "./errors.js";

/** The body as an object of fields. @throws {ApiError} API_ERROR_BAD_REQUEST otherwise. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== "object" || body === null) {
    throw new ApiError(
      { code: "API_ERROR_BAD_REQUEST", status: 400, field: "body" },
      "the body must be a JSON object",
    );
  }
  return body as Record<string, unknown>;
}

/** The string field `name` of `body` through `parse`. @throws {ApiError} naming the field. */
export function field<T>(body: Record<string, unknown>, name: string, parse: (v: string) => T): T {
  const value = body[name];
  try {
    if (typeof value !== "string") throw new TypeError("missing");
    return parse(value);
  } catch {
    throw new ApiError(
      { code: "API_ERROR_BAD_REQUEST", status: 400, field: name },
      `${name} is missing or malformed`,
    );
  }
}

/** A parser of `length` bytes in hex. */
export const hex = (length: number) => (v: string) => {
  const bytes = hexToBytes(v);
  if (bytes.length !== length) throw new RangeError("length");
  return bytes;
};

/** A parser of a decimal 0…2⁶⁴−1. */
export const u64 = (v: string) => {
  if (!/^\d{1,20}$/.test(v) || BigInt(v) >= 2n ** 64n) throw new RangeError("u64");
  return BigInt(v);
};
