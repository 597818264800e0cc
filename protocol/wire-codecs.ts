/**
 * The field codecs of the wire format: how each field converts between protobufjs values and
 * Frame values, checking its limits in both directions — bytes, text (required or optional),
 * uint32, sint32, bool, uint64 (as a safe number or a bigint), repeated fields and messages —
 * and the FRAME_ERROR_LIMIT / FRAME_ERROR_INVALID errors they raise, naming the field.
 * protocol/wire-messages.ts builds the frame table from them; protocol/wire.ts binds that
 * table to foldnet.proto.
 * @module
 */
import { ProtocolError } from "./errors.js";

/** Converts one field both ways, checking its limits; `path` names it in errors. */
export interface Codec<T> {
  /** The protobufjs type name the schema must declare ("message" for any message). */
  readonly proto: string;
  /** Longest encoded length (string and bytes), checked by the scan before decoding. */
  readonly maxBytes?: number;
  /** For repeated fields: the element codec and the most elements. */
  readonly item?: AnyCodec;
  readonly maxCount?: number;
  /** For messages: the codec of each field, by protobufjs (camelCase) name. */
  readonly fields?: Readonly<Record<string, AnyCodec>>;
  /** From what protobufjs decoded. @throws {ProtocolError} */
  fromWire(value: unknown, path: string): T;
  /** To what protobufjs encodes. @throws {ProtocolError} beyond a limit, TypeError on a wrong type. */
  toWire(value: T, path: string): unknown;
}
// biome-ignore lint/suspicious/noExplicitAny: a codec of any value type, for the schema tables.
export type AnyCodec = Codec<any>;

/** The codecs of a message's fields, one per property of its TypeScript value. */
type Fields<T> = { readonly [F in keyof T]-?: Codec<T[F]> };

/** A FRAME_ERROR_LIMIT error naming the field at `path`. */
export function limitError(
  path: string,
  limit: number,
  actual: number,
  what: string,
): ProtocolError {
  return new ProtocolError(
    { code: "FRAME_ERROR_LIMIT", field: path, limit, actual },
    `${path} ${what}`,
  );
}

/** A FRAME_ERROR_INVALID error naming the field at `path`. */
export function invalid(path: string, what: string): ProtocolError {
  return new ProtocolError({ code: "FRAME_ERROR_INVALID", field: path }, `${path} ${what}`);
}

function checkRange(value: number, min: number, max: number, path: string): number {
  if (value < min) throw limitError(path, min, value, `is ${value}, below ${min}`);
  if (value > max) throw limitError(path, max, value, `is ${value}, above ${max}`);
  return value;
}

function checkLength(length: number, min: number, max: number, path: string, unit: string): void {
  if (length < min || length > max) {
    const bound = length < min ? min : max;
    const range = min === max ? `exactly ${min}` : `${min}…${max}`;
    throw limitError(path, bound, length, `has ${length} ${unit}, ${range} allowed`);
  }
}

function needType(ok: boolean, path: string, type: string): void {
  if (!ok) throw new TypeError(`${path} must be ${type}`);
}

/** Bytes of `min…max` length (exact when equal); decoded bytes are copied out of the frame. */
export function bytes(min: number, max = min): Codec<Uint8Array> {
  return {
    proto: "bytes",
    maxBytes: max,
    fromWire(value, path) {
      // protobufjs gives a view into the frame (or [] when absent): copy it out with a memcpy
      const view = value as Uint8Array;
      checkLength(view.length, min, max, path, "bytes");
      const copy = new Uint8Array(view.length);
      copy.set(view);
      return copy;
    },
    toWire(value, path) {
      needType(value instanceof Uint8Array, path, "a Uint8Array");
      checkLength(value.length, min, max, path, "bytes");
      return value;
    },
  };
}

/** A UTF-16 surrogate not in a pair (`\p{Cs}` matches only those under the `u` flag). */
const LONE_SURROGATE = /\p{Cs}/u;

/** A string a frame may leave out: "" and absent are the same, left out on the wire. */
export function optionalText(max: number): Codec<string | undefined> {
  const inner = text(0, max);
  const absent = (value: unknown) => value === undefined || value === "";
  return {
    ...inner,
    fromWire: (value, path) => (absent(value) ? undefined : inner.fromWire(value, path)),
    toWire: (value, path) => (absent(value) ? undefined : inner.toWire(value, path)),
  };
}

/** A string of `min…max` UTF-8 bytes without lone surrogates (UTF-8 cannot carry them). */
export function text(min: number, max: number): Codec<string> {
  const check = (value: string, path: string): string => {
    checkLength(Buffer.byteLength(value, "utf8"), min, max, path, "UTF-8 bytes");
    if (LONE_SURROGATE.test(value)) throw invalid(path, "holds a lone UTF-16 surrogate");
    return value;
  };
  return {
    proto: "string",
    maxBytes: max,
    fromWire: (value, path) => check(value as string, path),
    toWire(value, path) {
      needType(typeof value === "string", path, "a string");
      return check(value, path);
    },
  };
}

/** A uint32 within `min…max`. */
export function u32(min: number, max: number): Codec<number> {
  return {
    proto: "uint32",
    fromWire: (value, path) => checkRange(value as number, min, max, path),
    toWire(value, path) {
      needType(Number.isInteger(value), path, "an integer");
      return checkRange(value, min, max, path);
    },
  };
}

/** A sint32 (zigzag: small negative energies stay one byte). */
export const sint32: Codec<number> = {
  proto: "sint32",
  fromWire: (value) => value as number,
  toWire(value, path) {
    needType(Number.isInteger(value), path, "an integer");
    return checkRange(value, -0x8000_0000, 0x7fff_ffff, path);
  },
};

/** A bool. */
export const bool: Codec<boolean> = {
  proto: "bool",
  fromWire: (value) => value as boolean,
  toWire(value, path) {
    needType(typeof value === "boolean", path, "a boolean");
    return value;
  },
};

/** What protobufjs gives for a uint64: a number, or a long.js Long when long is installed. */
type WireLong = number | { readonly low: number; readonly high: number };

function longToBigInt(value: WireLong): bigint {
  if (typeof value === "number") return BigInt(value);
  return (BigInt(value.high >>> 0) << 32n) | BigInt(value.low >>> 0);
}

/** A uint64 that must be a safe integer, as a number: step counts and times. */
export function u64(min: number): Codec<number> {
  const max = Number.MAX_SAFE_INTEGER;
  return {
    proto: "uint64",
    fromWire(value, path) {
      const big = longToBigInt(value as WireLong);
      if (big > BigInt(max)) throw limitError(path, max, Number(big), "exceeds 2^53 − 1");
      return checkRange(Number(big), min, max, path);
    },
    toWire(value, path) {
      needType(Number.isInteger(value), path, "an integer");
      return checkRange(value, min, max, path);
    },
  };
}

/** A uint64 as a bigint over its whole range: token amounts. */
export const u64Big: Codec<bigint> = {
  proto: "uint64",
  fromWire: (value) => longToBigInt(value as WireLong),
  toWire(value, path) {
    needType(typeof value === "bigint", path, "a bigint");
    if (value < 0n || value >= 1n << 64n) {
      throw limitError(path, value < 0n ? 0 : 2 ** 64, Number(value), "is outside 0…2^64 − 1");
    }
    return { low: Number(value & 0xffff_ffffn), high: Number(value >> 32n) };
  },
};

/** A repeated field of `min…max` elements. */
export function list<T>(item: Codec<T>, min: number, max: number): Codec<readonly T[]> {
  const count = (value: readonly unknown[], path: string): void =>
    checkLength(value.length, min, max, path, "elements");
  return {
    proto: item.proto,
    item,
    maxCount: max,
    fromWire(value, path) {
      const values = value as readonly unknown[];
      count(values, path);
      return values.map((v, i) => item.fromWire(v, `${path}[${i}]`));
    },
    toWire(value, path) {
      needType(Array.isArray(value), path, "an array");
      count(value, path);
      return value.map((v, i) => item.toWire(v, `${path}[${i}]`));
    },
  };
}

/** A message codec; `readInto` fills an existing object (decodeFrame's `{kind}`). */
export interface MessageCodec<T> extends Codec<T> {
  readInto<O extends object>(out: O, value: unknown, path: string): O & T;
}

/** A message: its fields' codecs and an optional check of rules across fields. */
export function message<T extends object>(
  fields: Fields<T>,
  check?: (value: T, path: string) => void,
): MessageCodec<T> {
  const entries = Object.entries(fields) as [string, AnyCodec][];
  const readInto = <O extends object>(out: O, value: unknown, path: string): O & T => {
    const src = value as Record<string, unknown>;
    const dst = out as Record<string, unknown>;
    for (const [name, codec] of entries) dst[name] = codec.fromWire(src[name], `${path}.${name}`);
    check?.(dst as T, path);
    return out as O & T;
  };
  return {
    proto: "message",
    fields,
    readInto,
    fromWire: (value, path) => readInto({}, value, path),
    toWire(value, path) {
      needType(typeof value === "object" && value !== null, path, "an object");
      const src = value as Record<string, unknown>;
      const wire: Record<string, unknown> = {};
      for (const [name, codec] of entries) wire[name] = codec.toWire(src[name], `${path}.${name}`);
      check?.(value, path);
      return wire;
    },
  };
}
