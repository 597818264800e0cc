/**
 * Encoding and decoding of frames: protocol/foldnet.proto through protobufjs reflection, and
 * every limit of protocol/limits.ts enforced in both directions.
 *
 * `decodeFrame` trusts nothing and never throws anything but a ProtocolError with a code:
 * 1. the frame's size is checked against MAX_FRAME_BYTES before anything is read;
 * 2. the top-level fields are skimmed for `version`, refused unless PROTOCOL_VERSION, before the
 *    rest is interpreted (a future version may lay its frames out differently);
 * 3. a structural scan walks every field: wire type against the schema, field number ≠ 0, every
 *    length within its enclosing message and the frame, every string and bytes field within its
 *    length limit and every repeated field within its count limit — so no claimed length or
 *    count is ever allocated before it is known to be both present and allowed;
 * 4. protobufjs decodes the frame, and each field is converted to its plain value (bytes
 *    copied, uint64 checked to be a safe integer) and checked against its exact limits and the
 *    rules across fields.
 * `encodeFrame` runs the same per-field checks, so it never emits a frame its peer refuses.
 *
 * The schema is read once at load from foldnet.proto next to this module (`npm run build`
 * copies it into dist/protocol/), and checked against the field table below: a field present in
 * one and not the other, or of another type, fails at load.
 * @module
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { InvariantError } from "../common/errors.js";
import { type MalformedReason, ProtocolError } from "./errors.js";
import type { ErrorFrame, Frame, FrameKind, FrameOf } from "./frames.js";
import {
  ASSIGNMENT_ID_BYTES,
  AUTH_NONCE_BYTES,
  HASH_BYTES,
  MAX_CHALLENGE_SEGMENTS,
  MAX_CLIENT_BYTES,
  MAX_CODE_BYTES,
  MAX_FOLD_BYTES,
  MAX_FRAME_BYTES,
  MAX_ID_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_PROOF_HASHES,
  MAX_RETRY_AFTER_MS,
  MAX_SEGMENTS_PER_UNIT,
  MAX_STATE_BYTES,
  MAX_TEAM_BYTES,
  MAX_WORKER_THREADS,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
} from "./limits.js";

/** The wire protocol version every frame carries; a peer refuses any other. */
export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// Field codecs: how each field converts between protobufjs values and Frame values, and its limits.

/** Converts one field both ways, checking its limits; `path` names it in errors. */
interface Codec<T> {
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
type AnyCodec = Codec<any>;

/** The codecs of a message's fields, one per property of its TypeScript value. */
type Fields<T> = { readonly [F in keyof T]-?: Codec<T[F]> };

function limitError(path: string, limit: number, actual: number, what: string): ProtocolError {
  return new ProtocolError(
    { code: "FRAME_ERROR_LIMIT", field: path, limit, actual },
    `${path} ${what}`,
  );
}

function invalid(path: string, what: string): ProtocolError {
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
function bytes(min: number, max = min): Codec<Uint8Array> {
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
function optionalText(max: number): Codec<string | undefined> {
  const inner = text(0, max);
  const absent = (value: unknown) => value === undefined || value === "";
  return {
    ...inner,
    fromWire: (value, path) => (absent(value) ? undefined : inner.fromWire(value, path)),
    toWire: (value, path) => (absent(value) ? undefined : inner.toWire(value, path)),
  };
}

/** A string of `min…max` UTF-8 bytes without lone surrogates (UTF-8 cannot carry them). */
function text(min: number, max: number): Codec<string> {
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
function u32(min: number, max: number): Codec<number> {
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
const sint32: Codec<number> = {
  proto: "sint32",
  fromWire: (value) => value as number,
  toWire(value, path) {
    needType(Number.isInteger(value), path, "an integer");
    return checkRange(value, -0x8000_0000, 0x7fff_ffff, path);
  },
};

const bool: Codec<boolean> = {
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
function u64(min: number): Codec<number> {
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
const u64Big: Codec<bigint> = {
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
function list<T>(item: Codec<T>, min: number, max: number): Codec<readonly T[]> {
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
interface MessageCodec<T> extends Codec<T> {
  readInto<O extends object>(out: O, value: unknown, path: string): O & T;
}

/** A message: its fields' codecs and an optional check of rules across fields. */
function message<T extends object>(
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

/** Indices that must rise strictly (challenged segments, and the openings answering them). */
function checkIncreasing(values: readonly number[], path: string): void {
  for (let i = 1; i < values.length; i++) {
    if (values[i]! <= values[i - 1]!) throw invalid(`${path}[${i}]`, "is not above the one before");
  }
}

// ---------------------------------------------------------------------------------------------
// The frame table: one message codec per kind, field for field as in foldnet.proto.

type Body<K extends FrameKind> = Omit<FrameOf<K>, "kind">;

const assignmentId = bytes(ASSIGNMENT_ID_BYTES);
const hash = bytes(HASH_BYTES);
const id = text(1, MAX_ID_BYTES);
const state = bytes(1, MAX_STATE_BYTES);
const segmentIndex = u32(0, MAX_SEGMENTS_PER_UNIT - 1);
const proof = list(hash, 0, MAX_PROOF_HASHES);

const opening = message<FrameOf<"openings">["openings"][number]>({
  segment: segmentIndex,
  state,
  startProof: proof,
  endProof: proof,
  endLeaf: hash,
});

const KINDS: { readonly [K in FrameKind]: MessageCodec<Body<K>> } = {
  hello: message({
    publicKey: bytes(PUBLIC_KEY_BYTES),
    client: text(0, MAX_CLIENT_BYTES),
    threads: u32(1, MAX_WORKER_THREADS),
    team: optionalText(MAX_TEAM_BYTES),
  }),
  authChallenge: message({
    nonce: bytes(AUTH_NONCE_BYTES),
    coordinatorKey: bytes(PUBLIC_KEY_BYTES),
  }),
  authResponse: message({ signature: bytes(SIGNATURE_BYTES) }),
  welcome: message({ workerId: id }),
  workRequest: message({ slots: u32(1, MAX_WORKER_THREADS) }),
  assignment: message(
    {
      assignmentId,
      unitId: id,
      jobId: id,
      startState: state,
      steps: u64(1),
      checkpointInterval: u32(1, 0xffff_ffff),
      deadlineMs: u64(0),
    },
    (a, path) => {
      if (a.steps % a.checkpointInterval !== 0) {
        throw invalid(`${path}.steps`, "is not a multiple of checkpointInterval");
      }
      const segments = a.steps / a.checkpointInterval;
      if (segments > MAX_SEGMENTS_PER_UNIT) {
        throw limitError(
          `${path}.steps`,
          MAX_SEGMENTS_PER_UNIT,
          segments,
          "makes too many segments",
        );
      }
    },
  ),
  noWork: message({ retryAfterMs: u32(0, MAX_RETRY_AFTER_MS) }),
  progress: message({ assignmentId, stepsDone: u64(0), bestEnergy: sint32 }),
  resultCommit: message({
    assignmentId,
    unitId: id,
    bestFold: text(1, MAX_FOLD_BYTES),
    bestEnergy: sint32,
    steps: u64(1),
    finalStateHash: hash,
    merkleRoot: hash,
    finalState: state,
    signature: bytes(SIGNATURE_BYTES),
  }),
  challenge: message(
    { assignmentId, segments: list(segmentIndex, 1, MAX_CHALLENGE_SEGMENTS) },
    (c, path) => checkIncreasing(c.segments, `${path}.segments`),
  ),
  openings: message(
    { assignmentId, openings: list(opening, 1, MAX_CHALLENGE_SEGMENTS) },
    (o, path) =>
      checkIncreasing(
        o.openings.map((x) => x.segment),
        `${path}.openings`,
      ),
  ),
  verdict: message({
    assignmentId,
    accepted: bool,
    code: text(0, MAX_CODE_BYTES),
    reward: u64Big,
    message: text(0, MAX_MESSAGE_BYTES),
  }),
  error: message({ code: text(1, MAX_CODE_BYTES), message: text(0, MAX_MESSAGE_BYTES) }),
};

const KIND_NAMES = Object.keys(KINDS) as FrameKind[];

// ---------------------------------------------------------------------------------------------
// The schema, checked against the table, and the rules of the structural scan derived from both.

const root = protobuf
  .parse(readFileSync(new URL("./foldnet.proto", import.meta.url), "utf8"))
  .root.resolveAll();
const FRAME = root.lookupType("foldnet.v1.Frame");

/** Wire type of each scalar protobuf type (protobufjs's table: varint 0, 64-bit 1, 32-bit 5…). */
const WIRE_TYPES = protobuf.types.basic as Readonly<Record<string, number>>;
const LENGTH_DELIMITED = 2;

/** What the scan knows of one field, precomputed from the schema and the field's codec. */
interface FieldRule {
  readonly name: string;
  /** The declared wire type; a repeated scalar may also come packed (length-delimited). */
  readonly wireType: number;
  readonly packed: boolean;
  readonly repeated: boolean;
  /** A member of the `kind` oneof: at most one may be present. */
  readonly oneof: boolean;
  /** Longest value (of one element, when repeated), if limited. */
  readonly maxBytes: number | undefined;
  /** Most elements of a repeated field. */
  readonly maxCount: number;
  /** For a message field, the rules of its own fields. */
  readonly nested: MessageRules | undefined;
}
/** The rules of a message's fields, indexed by field number. */
type MessageRules = readonly (FieldRule | undefined)[];

/**
 * Checks that `type` declares exactly the fields of `codecs` with their types, and derives the
 * scan's rules.
 * @throws {InvariantError} when foldnet.proto and the codec table disagree.
 */
function bindSchema(type: protobuf.Type, codecs: Readonly<Record<string, AnyCodec>>): MessageRules {
  const names = Object.keys(codecs);
  const declared = type.fieldsArray.map((f) => f.name);
  if (names.length !== declared.length || names.some((n) => !declared.includes(n))) {
    throw new InvariantError(`${type.name} declares ${declared} but wire.ts has ${names}`);
  }
  const rules: FieldRule[] = [];
  for (const field of type.fieldsArray) {
    const codec = codecs[field.name]!;
    const element = codec.item ?? codec;
    const message = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    if (
      codec.proto !== (message ? "message" : field.type) ||
      field.repeated !== (codec.item !== undefined)
    ) {
      throw new InvariantError(`${type.name}.${field.name} is not ${codec.proto} in foldnet.proto`);
    }
    const wireType = message ? LENGTH_DELIMITED : WIRE_TYPES[field.type]!;
    rules[field.id] = {
      name: field.name,
      wireType,
      packed: field.repeated && wireType !== LENGTH_DELIMITED,
      repeated: field.repeated,
      oneof: field.partOf !== null,
      maxBytes: element.maxBytes,
      maxCount: codec.maxCount ?? 1,
      nested: message && bindSchema(message, element.fields!),
    };
  }
  return rules;
}

/** The scan's rules of a Frame: `version`, then one member of `kind` per codec of KINDS. */
const FRAME_RULES = bindSchema(FRAME, { version: u32(0, 0xffff_ffff), ...KINDS });
if (KIND_NAMES.some((kind) => FRAME.fields[kind]?.partOf?.name !== "kind")) {
  throw new InvariantError("every kind of wire.ts must be a member of Frame.kind in foldnet.proto");
}

// ---------------------------------------------------------------------------------------------
// Decoding.

function malformed(reason: MalformedReason, detail: string): ProtocolError {
  return new ProtocolError({ code: "FRAME_ERROR_MALFORMED", reason }, `malformed frame: ${detail}`);
}

function tooLarge(size: number): ProtocolError {
  return new ProtocolError(
    { code: "FRAME_ERROR_TOO_LARGE", size, limit: MAX_FRAME_BYTES },
    `frame of ${size} bytes exceeds ${MAX_FRAME_BYTES}`,
  );
}

/** Maps protobufjs reader failures (RangeError when past the end, Error otherwise) to ours. */
function readerError(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err;
  if (err instanceof RangeError) return malformed("truncated", err.message);
  return malformed(
    String(err).includes("wire type") ? "wire-type" : "encoding",
    err instanceof Error ? err.message : String(err),
  );
}

/** Tag of `Frame.version`: field 1, wire type 0 (varint). */
const VERSION_TAG = (1 << 3) | 0;

/** The `version` field of a frame, reading only top-level tags (0 when absent). */
function skimVersion(reader: protobuf.Reader): number {
  let version = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag === VERSION_TAG) version = reader.uint32();
    else reader.skipType(tag & 7);
  }
  reader.pos = 0;
  return version;
}

/** A field's name as decodeFrame's errors give it ("" is the Frame itself). */
function fieldPath(path: string, rule: FieldRule, element?: number): string {
  const name = path === "" ? rule.name : `${path}.${rule.name}`;
  return element === undefined || !rule.repeated ? name : `${name}[${element}]`;
}

/**
 * Walks the fields of one message that ends at `end` (see the module header, step 3), recursing
 * into nested messages, without decoding or allocating any value. `path` names the message in
 * errors as decodeFrame names fields ("" for the Frame itself, then e.g. `openings.openings[2]`).
 */
function scan(reader: protobuf.Reader, end: number, rules: MessageRules, path: string): void {
  const counts: number[] = [];
  let oneofSeen = false;
  while (reader.pos < end) {
    const tag = reader.uint32();
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) throw malformed("field-number", `${path || "frame"} has a field number 0`);
    const rule = rules[id];
    if (rule === undefined) {
      reader.skipType(wireType);
      continue;
    }
    if (rule.oneof) {
      if (oneofSeen) throw malformed("multiple-kinds", "frame has two kinds");
      oneofSeen = true;
    }
    const packed = rule.packed && wireType === LENGTH_DELIMITED;
    if (wireType !== rule.wireType && !packed) {
      const what = `has wire type ${wireType}, not ${rule.wireType}`;
      throw malformed("wire-type", `${fieldPath(path, rule)} ${what}`);
    }
    let count = counts[id] ?? 0;
    if (wireType !== LENGTH_DELIMITED) {
      reader.skipType(wireType);
      count++;
    } else {
      const length = reader.uint32();
      const stop = reader.pos + length;
      if (rule.maxBytes !== undefined && length > rule.maxBytes) {
        const what = `is ${length} bytes, at most ${rule.maxBytes} allowed`;
        throw limitError(fieldPath(path, rule, count), rule.maxBytes, length, what);
      }
      if (stop > end)
        throw malformed("truncated", `${fieldPath(path, rule, count)} runs past its message`);
      if (rule.nested !== undefined) {
        scan(reader, stop, rule.nested, fieldPath(path, rule, count));
        count++;
      } else if (packed) {
        while (reader.pos < stop && count <= rule.maxCount) {
          reader.skip();
          count++;
        }
        if (count <= rule.maxCount && reader.pos !== stop) {
          throw malformed(
            "truncated",
            `${fieldPath(path, rule)} has a varint running past its end`,
          );
        }
      } else {
        reader.pos = stop;
        count++;
      }
    }
    if (rule.repeated && count > rule.maxCount) {
      const what = `has more than ${rule.maxCount} elements`;
      throw limitError(fieldPath(path, rule), rule.maxCount, count, what);
    }
    counts[id] = count;
  }
  if (reader.pos !== end) throw malformed("truncated", `${path || "frame"} runs past its end`);
}

/**
 * Decodes one frame (see the module header for the order of checks). The frame's bytes are not
 * kept: every Uint8Array in the result is a copy.
 * @throws {ProtocolError} FRAME_ERROR_TOO_LARGE, FRAME_ERROR_UNKNOWN_VERSION (with the version),
 * FRAME_ERROR_MALFORMED (with a reason), FRAME_ERROR_UNKNOWN_KIND, FRAME_ERROR_LIMIT or
 * FRAME_ERROR_INVALID (naming the field, e.g. `openings.openings[2].startProof`).
 * @throws {TypeError} when `bytes` is not a Uint8Array.
 */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("frame must be a Uint8Array");
  if (bytes.length > MAX_FRAME_BYTES) {
    throw tooLarge(bytes.length);
  }
  // A Buffer view (no copy) makes protobufjs decode strings with Node's WHATWG UTF-8 decoder.
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const reader = protobuf.Reader.create(buffer);
  let decoded: Record<string, unknown>;
  try {
    const version = skimVersion(reader);
    if (version !== PROTOCOL_VERSION) {
      throw new ProtocolError(
        { code: "FRAME_ERROR_UNKNOWN_VERSION", version },
        `protocol version ${version}, this peer speaks ${PROTOCOL_VERSION}`,
      );
    }
    scan(reader, buffer.length, FRAME_RULES, "");
    reader.pos = 0;
    decoded = FRAME.decode(reader) as unknown as Record<string, unknown>;
  } catch (err) {
    throw readerError(err);
  }
  const kind = KIND_NAMES.find((k) => decoded[k] != null);
  if (kind === undefined) {
    throw new ProtocolError(
      { code: "FRAME_ERROR_UNKNOWN_KIND", kind: "none" },
      "frame of no known kind",
    );
  }
  return KINDS[kind].readInto({ kind }, decoded[kind], kind) as Frame;
}

// ---------------------------------------------------------------------------------------------
// Encoding.

/**
 * Encodes one frame with the current PROTOCOL_VERSION, after checking every field as
 * decodeFrame does.
 * @throws {ProtocolError} FRAME_ERROR_UNKNOWN_KIND, FRAME_ERROR_LIMIT or FRAME_ERROR_INVALID
 * naming the field; FRAME_ERROR_TOO_LARGE if the limits allowed a frame above MAX_FRAME_BYTES.
 * @throws {TypeError} naming a field of the wrong JavaScript type.
 */
export function encodeFrame(frame: Frame): Uint8Array {
  const kind = (frame as { kind?: unknown } | null)?.kind;
  if (typeof kind !== "string" || !Object.hasOwn(KINDS, kind)) {
    throw new ProtocolError(
      { code: "FRAME_ERROR_UNKNOWN_KIND", kind: String(kind) },
      `unknown kind ${kind}`,
    );
  }
  const codec = KINDS[kind as FrameKind] as AnyCodec;
  const body = codec.toWire(frame, kind);
  const bytes = FRAME.encode({ version: PROTOCOL_VERSION, [kind]: body }).finish();
  if (bytes.length > MAX_FRAME_BYTES) {
    throw tooLarge(bytes.length);
  }
  return bytes;
}

/**
 * Cuts `value` to at most `maxBytes` UTF-8 bytes without splitting a character (Node's UTF-8
 * encoder has already replaced lone surrogates by U+FFFD).
 */
function truncateUtf8(value: string, maxBytes: number): string {
  const encoded = Buffer.from(value, "utf8");
  if (encoded.length <= maxBytes) return encoded.toString("utf8");
  let cut = maxBytes;
  while (cut > 0 && (encoded[cut]! & 0xc0) === 0x80) cut--;
  return encoded.subarray(0, cut).toString("utf8");
}

/**
 * An error frame that always encodes: code and message cut to their limits on character
 * boundaries, lone surrogates replaced, an empty code replaced by `ERROR`. For answering a bad
 * frame with `errorFrame(err.code, err.message)`.
 */
export function errorFrame(code: string, message: string): ErrorFrame {
  return {
    kind: "error",
    code: truncateUtf8(code, MAX_CODE_BYTES) || "ERROR",
    message: truncateUtf8(message, MAX_MESSAGE_BYTES),
  };
}
