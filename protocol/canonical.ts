/**
 * Canonical byte encodings of everything foldnet signs or hashes (never protobuf output, whose
 * bytes are not unique), with the writer and bounds-checked reader the ledger reuses for its
 * block headers and entries.
 *
 * Rules of every canonical encoding (docs/protocol.md "Canonical encodings"):
 * - it starts with a domain tag: ASCII `foldnet/v1/<purpose>` then one 0x00 byte, so a signature
 *   or hash made for one purpose never verifies for another, and no tag is a prefix of another;
 * - integers are fixed-width little-endian (u8, u16, u32, u64, i32 two's complement);
 * - fixed-length byte strings (keys, hashes, ids) are written raw; variable ones carry a u32
 *   length; strings are UTF-8 with a u32 byte length;
 * - fields follow in the documented order, nothing is optional, nothing trails.
 *
 * Layouts:
 * - auth:     tag `foldnet/v1/auth`     ‖ nonce 32 ‖ coordinator key 32 ‖ worker key 32
 *             (with a team: tag `foldnet/v1/team-auth`, the same fields ‖ str team)
 * - result:   tag `foldnet/v1/result`   ‖ assignment id 16 ‖ str unit id ‖ str best fold ‖
 *             i32 best energy ‖ u64 steps ‖ final state hash 32 ‖ Merkle root 32
 * - transfer: tag `foldnet/v2/transfer` ‖ network id 32 ‖ from key 32 ‖ to key 32 ‖
 *   u64 amount ‖ u64 nonce
 * - network:  tag `foldnet/v1/network`  ‖ coordinator key 32 (its sha256 is the network id)
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { ByteReader } from "../common/byte-reader.js";
import { ProtocolError } from "./errors.js";
import { ASSIGNMENT_ID_BYTES, AUTH_NONCE_BYTES, HASH_BYTES, PUBLIC_KEY_BYTES } from "./limits.js";

/** Domain tags of the canonical encodings defined here. */
export const TAGS = {
  auth: "foldnet/v1/auth",
  result: "foldnet/v1/result",
  transfer: "foldnet/v2/transfer",
  network: "foldnet/v1/network",
  teamAuth: "foldnet/v1/team-auth",
} as const;

const U64_MAX = (1n << 64n) - 1n;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** A UTF-16 surrogate not in a pair: `\p{Cs}` matches only those under the `u` flag. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Appends canonical fields to a growing buffer. Every method checks its value and names
 * `field` in the RangeError/TypeError it throws for a value its width cannot hold.
 */
export class CanonicalWriter {
  private buf: Uint8Array;
  private view: DataView;
  private at = 0;

  /** @param capacity initial buffer size; it doubles as needed. */
  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `count` bytes and returns where they go (read `this.buf`/`this.view` after). */
  private reserve(count: number): number {
    const start = this.at;
    if (start + count > this.buf.length) {
      const grown = new Uint8Array(Math.max(this.buf.length * 2, start + count));
      grown.set(this.buf.subarray(0, start));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    this.at += count;
    return start;
  }

  /**
   * Writes a domain tag: its ASCII bytes, then 0x00.
   * @throws {RangeError} when the tag is not printable ASCII.
   */
  tag(domain: string): this {
    if (!/^[\x21-\x7e]+$/.test(domain)) throw new RangeError("tag must be printable ASCII");
    const start = this.reserve(domain.length + 1);
    for (let i = 0; i < domain.length; i++) this.buf[start + i] = domain.charCodeAt(i);
    this.buf[start + domain.length] = 0;
    return this;
  }

  /** @throws {RangeError} when `value` is not an integer in 0…255. */
  u8(value: number, field: string): this {
    checkInteger(value, 0, 0xff, field);
    const at = this.reserve(1);
    this.buf[at] = value;
    return this;
  }

  /** @throws {RangeError} when `value` is not an integer in 0…65,535. */
  u16(value: number, field: string): this {
    checkInteger(value, 0, 0xffff, field);
    const at = this.reserve(2);
    this.view.setUint16(at, value, true);
    return this;
  }

  /** @throws {RangeError} when `value` is not an integer in 0…2³²−1. */
  u32(value: number, field: string): this {
    checkInteger(value, 0, 0xffff_ffff, field);
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
    return this;
  }

  /** @throws {RangeError} when `value` is not an integer in −2³¹…2³¹−1. */
  i32(value: number, field: string): this {
    checkInteger(value, -0x8000_0000, 0x7fff_ffff, field);
    const at = this.reserve(4);
    this.view.setInt32(at, value, true);
    return this;
  }

  /**
   * Writes an unsigned 64-bit integer: a bigint, or a number that is a safe integer.
   * @throws {RangeError} when `value` is negative, above 2⁶⁴−1, or an unsafe number.
   */
  u64(value: bigint | number, field: string): this {
    if (typeof value === "number") checkInteger(value, 0, Number.MAX_SAFE_INTEGER, field);
    else if (typeof value !== "bigint" || value < 0n || value > U64_MAX) {
      throw new RangeError(`${field} must be an integer in 0…2^64−1`);
    }
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value), true);
    return this;
  }

  /**
   * Writes bytes raw. With `length`, checks that exactly that many are given (keys, hashes).
   * @throws {TypeError} when `value` is not a Uint8Array. @throws {RangeError} on a wrong length.
   */
  bytes(value: Uint8Array, field: string, length?: number): this {
    checkBytes(value, field, length);
    const at = this.reserve(value.length);
    this.buf.set(value, at);
    return this;
  }

  /**
   * Writes a u32 byte count, then the bytes.
   * @throws {TypeError} when `value` is not a Uint8Array.
   */
  varBytes(value: Uint8Array, field: string): this {
    checkBytes(value, field);
    this.u32(value.length, field);
    const at = this.reserve(value.length);
    this.buf.set(value, at);
    return this;
  }

  /**
   * Writes a string as its u32 UTF-8 byte count, then the UTF-8 bytes.
   * @throws {TypeError} when `value` is not a string, or holds a lone surrogate (which UTF-8
   * cannot encode, so two different strings would share an encoding).
   */
  string(value: string, field: string): this {
    if (typeof value !== "string" || LONE_SURROGATE.test(value)) {
      throw new TypeError(`${field} must be a well-formed string`);
    }
    return this.varBytes(utf8.encode(value), field);
  }

  /** The bytes written so far (a copy; the writer may go on). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.at);
  }
}

/**
 * Reads canonical fields written by CanonicalWriter, checking every length against the bytes
 * actually present before reading or allocating anything.
 */
export class CanonicalReader extends ByteReader {
  constructor(input: Uint8Array) {
    super(input, {
      truncated: (field, need, remaining) =>
        new ProtocolError(
          { code: "CANONICAL_ERROR_TRUNCATED", field },
          `${field} needs ${need} bytes, ${remaining} remain`,
        ),
      unsafe: (field) =>
        new ProtocolError({ code: "CANONICAL_ERROR_BAD_VALUE", field }, `${field} exceeds 2^53−1`),
      trailing: (count) =>
        new ProtocolError(
          { code: "CANONICAL_ERROR_TRAILING_BYTES", count },
          `${count} trailing bytes`,
        ),
    });
  }

  /**
   * Reads and checks a domain tag.
   * @throws {ProtocolError} CANONICAL_ERROR_BAD_TAG when the bytes are not `domain` then 0x00.
   */
  tag(domain: string): this {
    const ok =
      domain.length < this.remaining &&
      this.input[this.offset + domain.length] === 0 &&
      [...domain].every((ch, i) => this.input[this.offset + i] === ch.charCodeAt(0));
    if (!ok) {
      throw new ProtocolError(
        { code: "CANONICAL_ERROR_BAD_TAG", expected: domain },
        `not ${domain}`,
      );
    }
    this.claim(domain.length + 1, "tag");
    return this;
  }

  /**
   * Reads `length` raw bytes (a copy).
   * @throws {ProtocolError} CANONICAL_ERROR_TRUNCATED naming `field`.
   * @throws {RangeError} when `length` is not a non-negative integer.
   */
  bytes(length: number, field: string): Uint8Array {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError("length must be a count");
    return this.take(length, field).slice();
  }

  /**
   * Reads a u32 byte count and that many bytes (a copy), refusing counts above `maxLength`
   * before looking for the bytes.
   * @throws {ProtocolError} CANONICAL_ERROR_LIMIT or CANONICAL_ERROR_TRUNCATED naming `field`.
   */
  varBytes(maxLength: number, field: string): Uint8Array {
    const length = this.u32(field);
    if (length > maxLength) {
      throw new ProtocolError(
        { code: "CANONICAL_ERROR_LIMIT", field, limit: maxLength, actual: length },
        `${field} is ${length} bytes, at most ${maxLength} allowed`,
      );
    }
    return this.bytes(length, field);
  }

  /**
   * Reads a string written by CanonicalWriter.string, of at most `maxBytes` UTF-8 bytes.
   * @throws {ProtocolError} CANONICAL_ERROR_LIMIT, CANONICAL_ERROR_TRUNCATED, or
   * CANONICAL_ERROR_BAD_VALUE for bytes that are not UTF-8.
   */
  string(maxBytes: number, field: string): string {
    const bytes = this.varBytes(maxBytes, field);
    try {
      return strictUtf8.decode(bytes);
    } catch {
      throw new ProtocolError(
        { code: "CANONICAL_ERROR_BAD_VALUE", field },
        `${field} is not UTF-8`,
      );
    }
  }
}

function checkInteger(value: number, min: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be an integer in ${min}…${max}`);
  }
}

function checkBytes(value: Uint8Array, field: string, length?: number): void {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array`);
  if (length !== undefined && value.length !== length) {
    throw new RangeError(`${field} must be ${length} bytes, got ${value.length}`);
  }
}

/**
 * What a worker signs to answer an auth challenge: it binds the coordinator's fresh nonce, the
 * coordinator's key (so a signature cannot be relayed to another coordinator) and the worker's
 * own key. Layout: tag `foldnet/v1/auth` ‖ nonce 32 ‖ coordinator key 32 ‖ worker key 32; a
 * worker that names a team signs tag `foldnet/v1/team-auth`, the same fields ‖ str team.
 * @throws {TypeError|RangeError} when an argument is not a Uint8Array of its exact length.
 */
export function authPayload(
  nonce: Uint8Array,
  coordinatorPublicKey: Uint8Array,
  workerPublicKey: Uint8Array,
  team = "",
): Uint8Array {
  const w = new CanonicalWriter(88 + AUTH_NONCE_BYTES + 2 * PUBLIC_KEY_BYTES)
    .tag(team === "" ? TAGS.auth : TAGS.teamAuth)
    .bytes(nonce, "nonce", AUTH_NONCE_BYTES)
    .bytes(coordinatorPublicKey, "coordinatorPublicKey", PUBLIC_KEY_BYTES)
    .bytes(workerPublicKey, "workerPublicKey", PUBLIC_KEY_BYTES);
  return (team === "" ? w : w.string(team, "team")).finish();
}

/** The claims of a result that its signature covers (a `resultCommit` frame has them all). */
export interface ResultClaim {
  /** The lease this result answers: binding to it stops replays on other leases. */
  readonly assignmentId: Uint8Array;
  readonly unitId: string;
  readonly bestFold: string;
  readonly bestEnergy: number;
  readonly steps: number;
  readonly finalStateHash: Uint8Array;
  readonly merkleRoot: Uint8Array;
}

/**
 * What a worker signs for a result. Layout: tag `foldnet/v1/result` ‖ assignment id 16 ‖
 * str unit id ‖ str best fold ‖ i32 best energy ‖ u64 steps ‖ final state hash 32 ‖ root 32,
 * where str is a u32 UTF-8 byte count then the bytes.
 * @throws {TypeError|RangeError} naming the first field that cannot be encoded.
 */
export function resultCommitPayload(c: ResultClaim): Uint8Array {
  return new CanonicalWriter(192)
    .tag(TAGS.result)
    .bytes(c.assignmentId, "assignmentId", ASSIGNMENT_ID_BYTES)
    .string(c.unitId, "unitId")
    .string(c.bestFold, "bestFold")
    .i32(c.bestEnergy, "bestEnergy")
    .u64(c.steps, "steps")
    .bytes(c.finalStateHash, "finalStateHash", HASH_BYTES)
    .bytes(c.merkleRoot, "merkleRoot", HASH_BYTES)
    .finish();
}

/** A token transfer as its sender signs it. */
export interface Transfer {
  /** Sender's public key. */
  readonly from: Uint8Array;
  /** Recipient's public key. */
  readonly to: Uint8Array;
  /** Base units, 0…2⁶⁴−1. */
  readonly amount: bigint;
  /** The sender's transfer counter, so a signed transfer cannot be replayed. */
  readonly nonce: bigint;
}

/**
 * What a sender signs for a token transfer on the network `network` (its `networkId`): a
 * transfer signed for one network does not verify on another. Layout: tag
 * `foldnet/v2/transfer` ‖ network id 32 ‖ from 32 ‖ to 32 ‖ u64 amount ‖ u64 nonce.
 * @throws {TypeError|RangeError} naming the first field that cannot be encoded.
 */
export function transferPayload(t: Transfer, network: Uint8Array): Uint8Array {
  return new CanonicalWriter(20 + 3 * PUBLIC_KEY_BYTES + 16)
    .tag(TAGS.transfer)
    .bytes(network, "network", HASH_BYTES)
    .bytes(t.from, "from", PUBLIC_KEY_BYTES)
    .bytes(t.to, "to", PUBLIC_KEY_BYTES)
    .u64(t.amount, "amount")
    .u64(t.nonce, "nonce")
    .finish();
}

/** The id (32 bytes) a signed payload names to be valid on one network only: sha256 of the tagged coordinator key. */
export const networkId = (coordinatorKey: Uint8Array): Uint8Array =>
  sha256(
    new CanonicalWriter(52)
      .tag(TAGS.network)
      .bytes(coordinatorKey, "key", PUBLIC_KEY_BYTES)
      .finish(),
  );
