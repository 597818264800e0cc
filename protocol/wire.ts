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
 * The field codecs live in protocol/wire-codecs.ts and the frame table (`KINDS`) in
 * protocol/wire-messages.ts. The schema is read once at load from foldnet.proto next to this
 * module (`npm run build` copies it into dist/protocol/), and checked against that table: a
 * field present in one and not the other, or of another type, fails at load.
 * @module
 */
import { readFileSync } from "node:fs";
import protobuf from "protobufjs";
import { InvariantError } from "../common/errors.js";
import { type MalformedReason, ProtocolError } from "./errors.js";
import type { ErrorFrame, Frame, FrameKind } from "./frames.js";
import { MAX_CODE_BYTES, MAX_FRAME_BYTES, MAX_MESSAGE_BYTES } from "./limits.js";
import { type AnyCodec, limitError, u32 } from "./wire-codecs.js";
import { KIND_NAMES, KINDS } from "./wire-messages.js";

/** The wire protocol version every frame carries; a peer refuses any other. */
export const PROTOCOL_VERSION = 1;

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
export function truncateUtf8(value: string, maxBytes: number): string {
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
