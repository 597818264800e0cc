/**
 * Ledger entries and their canonical bytes (docs/design.md "Ledger and tokens"): useful-work records, one per
 * accepted work unit, and signed token transfers. An entry's bytes begin with its domain tag,
 * which also tells the kinds apart; its Merkle leaf is sha256 of those bytes. Layouts in
 * docs/ledger.md.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CanonicalReader, CanonicalWriter } from "../protocol/canonical.js";
import { ProtocolError } from "../protocol/errors.js";
import {
  HASH_BYTES,
  MAX_CHALLENGE_SEGMENTS,
  MAX_FOLD_BYTES,
  MAX_ID_BYTES,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  STATE_MAX_RESIDUES,
} from "../protocol/limits.js";
import { type LatticeName, latticeByWireCode, latticeSpec } from "../sim/lattice.js";
import { MODEL_SPECS, type ModelName, modelSpec } from "../sim/model.js";
import {
  decodeEscrowKind,
  ESCROW_TAGS,
  type EscrowKindEntry,
  encodeEscrowKind,
} from "./escrow-entries.js";

/** Domain tags of ledger encodings. */
export const LEDGER_TAGS = {
  work: "foldnet/v1/ledger-work",
  transfer: "foldnet/v1/ledger-transfer",
  block: "foldnet/v1/block",
  export: "foldnet/v1/ledger-export",
} as const;

/** A verified work unit, as recorded. */
export interface WorkEntry {
  readonly kind: "work";
  readonly jobId: string;
  readonly unitId: string;
  /** The volunteer's public key. */
  readonly worker: Uint8Array;
  readonly sequence: string;
  readonly lattice: LatticeName;
  /** The energy model; absent for HP (the byte of an HP entry is the lattice code alone). */
  readonly model?: ModelName;
  readonly steps: number;
  readonly bestEnergy: number;
  readonly fold: string;
  readonly finalStateHash: Uint8Array;
  /** The trajectory commitment the spot check was answered against. */
  readonly merkleRoot: Uint8Array;
  /** The segments the coordinator challenged, opened and replayed (the challenge evidence). */
  readonly segments: readonly number[];
  /** Lease start and deadline, and acceptance time, Unix ms (the quick-return bonus). */
  readonly issuedAt: number;
  readonly deadline: number;
  readonly acceptedAt: number;
  /** Tokens credited to `worker`, in micro-tokens. */
  readonly reward: bigint;
}

/** A token transfer signed by its sender (protocol/canonical.ts transferPayload). */
export interface TransferEntry {
  readonly kind: "transfer";
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly amount: bigint;
  /** The sender's transfers so far + 1: each signed transfer is valid once. */
  readonly nonce: bigint;
  readonly signature: Uint8Array;
}

/** Any ledger entry: work, transfer, or the contract layer's escrow, bounty and refund (ledger/escrow-entries.ts). */
export type LedgerEntry = WorkEntry | TransferEntry | EscrowKindEntry;

/** Largest encoded entry (a work entry with the longest ids, sequence and fold). */
export const MAX_ENTRY_BYTES = 2048;

/** Canonical bytes of an entry. */
export function encodeEntry(entry: LedgerEntry): Uint8Array {
  if (entry.kind !== "transfer" && entry.kind !== "work") return encodeEscrowKind(entry);
  if (entry.kind === "transfer") {
    return new CanonicalWriter(192)
      .tag(LEDGER_TAGS.transfer)
      .bytes(entry.from, "from", PUBLIC_KEY_BYTES)
      .bytes(entry.to, "to", PUBLIC_KEY_BYTES)
      .u64(entry.amount, "amount")
      .u64(entry.nonce, "nonce")
      .bytes(entry.signature, "signature", SIGNATURE_BYTES)
      .finish();
  }
  const w = new CanonicalWriter(512)
    .tag(LEDGER_TAGS.work)
    .string(entry.jobId, "jobId")
    .string(entry.unitId, "unitId")
    .bytes(entry.worker, "worker", PUBLIC_KEY_BYTES)
    .string(entry.sequence, "sequence")
    .u8(
      latticeSpec(entry.lattice).wireCode | (modelSpec(entry.model ?? "hp").wireCode << 4),
      "lattice",
    )
    .u64(entry.steps, "steps")
    .i32(entry.bestEnergy, "bestEnergy")
    .string(entry.fold, "fold")
    .bytes(entry.finalStateHash, "finalStateHash", HASH_BYTES)
    .bytes(entry.merkleRoot, "merkleRoot", HASH_BYTES)
    .u16(entry.segments.length, "segments");
  for (const j of entry.segments) w.u32(j, "segments[]");
  return w
    .u64(entry.issuedAt, "issuedAt")
    .u64(entry.deadline, "deadline")
    .u64(entry.acceptedAt, "acceptedAt")
    .u64(entry.reward, "reward")
    .finish();
}

const startsWithTag = (bytes: Uint8Array, tag: string) =>
  bytes.length > tag.length &&
  bytes[tag.length] === 0 &&
  [...tag].every((c, i) => bytes[i] === c.charCodeAt(0));

/**
 * Decodes an entry's canonical bytes.
 * @throws {ProtocolError} CANONICAL_ERROR_… naming the field that does not decode.
 */
export function decodeEntry(bytes: Uint8Array): LedgerEntry {
  for (const kind of ["escrow", "bounty", "refund"] as const)
    if (startsWithTag(bytes, ESCROW_TAGS[kind])) return decodeEscrowKind(kind, bytes);
  const r = new CanonicalReader(bytes);
  if (startsWithTag(bytes, LEDGER_TAGS.transfer)) {
    r.tag(LEDGER_TAGS.transfer);
    const entry: TransferEntry = {
      kind: "transfer",
      from: r.bytes(PUBLIC_KEY_BYTES, "from"),
      to: r.bytes(PUBLIC_KEY_BYTES, "to"),
      amount: r.u64("amount"),
      nonce: r.u64("nonce"),
      signature: r.bytes(SIGNATURE_BYTES, "signature"),
    };
    r.end();
    return entry;
  }
  r.tag(LEDGER_TAGS.work);
  const jobId = r.string(MAX_ID_BYTES, "jobId");
  const unitId = r.string(MAX_ID_BYTES, "unitId");
  const worker = r.bytes(PUBLIC_KEY_BYTES, "worker");
  const sequence = r.string(STATE_MAX_RESIDUES, "sequence");
  // low four bits: the lattice; high four: the model (0 = HP, so HP entries are as before)
  const codes = r.u8("lattice");
  const lattice = latticeByWireCode(codes & 0x0f)?.name;
  const model = MODEL_SPECS[codes >> 4]?.name;
  if (lattice === undefined || model === undefined)
    throw new ProtocolError(
      { code: "CANONICAL_ERROR_BAD_VALUE", field: "lattice" },
      "unknown lattice or model code",
    );
  const entry: WorkEntry = {
    kind: "work",
    jobId,
    unitId,
    worker,
    sequence,
    lattice,
    ...(model === "hp" ? {} : { model }),
    steps: r.u64Number("steps"),
    bestEnergy: r.i32("bestEnergy"),
    fold: r.string(MAX_FOLD_BYTES, "fold"),
    finalStateHash: r.bytes(HASH_BYTES, "finalStateHash"),
    merkleRoot: r.bytes(HASH_BYTES, "merkleRoot"),
    segments: readSegments(r),
    issuedAt: r.u64Number("issuedAt"),
    deadline: r.u64Number("deadline"),
    acceptedAt: r.u64Number("acceptedAt"),
    reward: r.u64("reward"),
  };
  r.end();
  return entry;
}

/** Reads a challenge's segment list: a u16 count (≤ MAX_CHALLENGE_SEGMENTS) and u32 indices. */
function readSegments(r: CanonicalReader): number[] {
  const count = r.u16("segments");
  if (count > MAX_CHALLENGE_SEGMENTS) {
    throw new ProtocolError(
      {
        code: "CANONICAL_ERROR_LIMIT",
        field: "segments",
        limit: MAX_CHALLENGE_SEGMENTS,
        actual: count,
      },
      "too many segments",
    );
  }
  return Array.from({ length: count }, () => r.u32("segments[]"));
}

/** The Merkle leaf of an entry: sha256 of its canonical bytes (which start with its tag). */
export const entryLeaf = (bytes: Uint8Array): Uint8Array => sha256(bytes);
