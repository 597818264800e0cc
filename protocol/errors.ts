/**
 * Typed errors of the protocol layer: frames that cannot be accepted (`FRAME_ERROR_…`),
 * canonical encodings that do not decode (`CANONICAL_ERROR_…`), identity files that cannot be
 * used (`IDENTITY_ERROR_…`) and Merkle trees built from bad leaves (`MERKLE_ERROR_…`). Every code
 * carries the field, size or file at fault, so callers and tests never read messages.
 * @module
 */
import { FoldnetError } from "../common/errors.js";

/** Why a frame's bytes are not a protobuf `Frame`: the structural failure, not its detail. */
export type MalformedReason =
  /** A length, varint or field runs past the end of the frame or of its enclosing message. */
  | "truncated"
  /** A known field arrives with a wire type that its declared type cannot have, or wire type 6/7. */
  | "wire-type"
  /** A tag with field number 0, which protobuf forbids. */
  | "field-number"
  /** More than one member of the `kind` oneof is present. */
  | "multiple-kinds"
  /** Any other protobuf decoding failure (e.g. a varint longer than 10 bytes). */
  | "encoding";

/** Codes and metadata of protocol errors. */
export type ProtocolErrorType =
  | { code: "FRAME_ERROR_TOO_LARGE"; size: number; limit: number }
  | { code: "FRAME_ERROR_MALFORMED"; reason: MalformedReason }
  | { code: "FRAME_ERROR_UNKNOWN_VERSION"; version: number }
  | { code: "FRAME_ERROR_UNKNOWN_KIND"; kind: string }
  /** A length, count or value outside its limit; `limit` is the bound that was crossed. */
  | { code: "FRAME_ERROR_LIMIT"; field: string; limit: number; actual: number }
  /** A rule across fields or values (e.g. steps not a multiple of checkpointInterval). */
  | { code: "FRAME_ERROR_INVALID"; field: string }
  | { code: "CANONICAL_ERROR_TRUNCATED"; field: string }
  | { code: "CANONICAL_ERROR_TRAILING_BYTES"; count: number }
  | { code: "CANONICAL_ERROR_BAD_TAG"; expected: string }
  | { code: "CANONICAL_ERROR_BAD_VALUE"; field: string }
  | { code: "CANONICAL_ERROR_LIMIT"; field: string; limit: number; actual: number }
  | { code: "IDENTITY_ERROR_NOT_FOUND"; file: string }
  | { code: "IDENTITY_ERROR_CORRUPT"; file: string; field: string }
  | { code: "IDENTITY_ERROR_INSECURE_MODE"; file: string; mode: number }
  | { code: "IDENTITY_ERROR_IO"; file: string; errno: string }
  | { code: "MERKLE_ERROR_EMPTY" }
  | { code: "MERKLE_ERROR_BAD_LEAF"; index: number }
  | { code: "MERKLE_ERROR_BAD_INDEX"; index: number; leafCount: number };

/** Every protocol error code. */
export type ProtocolErrorCode = ProtocolErrorType["code"];

/** An error raised by `protocol/` for bytes, files or arguments it cannot accept. */
export class ProtocolError extends FoldnetError<ProtocolErrorType> {}
