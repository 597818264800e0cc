/**
 * Useful-work blocks: the canonical header (height, previous block hash, timestamp, Merkle
 * root of the entries, entry count, producer key), the producer's ed25519 signature over it,
 * and the block hash, sha256 of the header bytes, which the next block's header names.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { CanonicalReader, CanonicalWriter } from "../protocol/canonical.js";
import { sign } from "../protocol/identity.js";
import { HASH_BYTES, PUBLIC_KEY_BYTES } from "../protocol/limits.js";
import { merkleRoot } from "../protocol/merkle.js";
import { entryLeaf, LEDGER_TAGS } from "./entries.js";

/** A block header. */
export interface BlockHeader {
  readonly height: number;
  /** Hash of block height − 1; 32 zero bytes for height 0. */
  readonly prevHash: Uint8Array;
  /** Unix ms when sealed. */
  readonly timestamp: number;
  readonly entriesRoot: Uint8Array;
  readonly entryCount: number;
  readonly producer: Uint8Array;
}

/** A sealed block: header bytes, signature and the entries' canonical bytes. */
export interface SealedBlock {
  readonly header: BlockHeader;
  readonly headerBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly hash: Uint8Array;
  readonly entries: readonly Uint8Array[];
}

/** Most entries in one block (bounds a block's size and verification time). */
export const MAX_BLOCK_ENTRIES = 10_000;
/** The previous hash of the first block. */
export const GENESIS_PREV_HASH = new Uint8Array(HASH_BYTES);

/** Canonical header bytes. */
export function encodeHeader(h: BlockHeader): Uint8Array {
  return new CanonicalWriter(160)
    .tag(LEDGER_TAGS.block)
    .u64(h.height, "height")
    .bytes(h.prevHash, "prevHash", HASH_BYTES)
    .u64(h.timestamp, "timestamp")
    .bytes(h.entriesRoot, "entriesRoot", HASH_BYTES)
    .u32(h.entryCount, "entryCount")
    .bytes(h.producer, "producer", PUBLIC_KEY_BYTES)
    .finish();
}

/**
 * Decodes header bytes.
 * @throws {ProtocolError} CANONICAL_ERROR_… naming the field.
 */
export function decodeHeader(bytes: Uint8Array): BlockHeader {
  const r = new CanonicalReader(bytes).tag(LEDGER_TAGS.block);
  const header: BlockHeader = {
    height: r.u64Number("height"),
    prevHash: r.bytes(HASH_BYTES, "prevHash"),
    timestamp: r.u64Number("timestamp"),
    entriesRoot: r.bytes(HASH_BYTES, "entriesRoot"),
    entryCount: r.u32("entryCount"),
    producer: r.bytes(PUBLIC_KEY_BYTES, "producer"),
  };
  r.end();
  return header;
}

/** Merkle root of entries' canonical bytes (leaves are their sha256). */
export function entriesRoot(entries: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(entries.map(entryLeaf));
}

/** The block hash: sha256 of the canonical header. */
export const blockHash = (headerBytes: Uint8Array): Uint8Array => sha256(headerBytes);

/** Seals entries into a signed block after `prev` (undefined for the first block). */
export function sealBlock(
  entries: readonly Uint8Array[],
  prev: { height: number; hash: Uint8Array } | undefined,
  timestamp: number,
  producer: { publicKey: Uint8Array; secretKey: Uint8Array },
): SealedBlock {
  const header: BlockHeader = {
    height: prev === undefined ? 0 : prev.height + 1,
    prevHash: prev === undefined ? GENESIS_PREV_HASH : prev.hash,
    timestamp,
    entriesRoot: entriesRoot(entries),
    entryCount: entries.length,
    producer: producer.publicKey,
  };
  const headerBytes = encodeHeader(header);
  return {
    header,
    headerBytes,
    signature: sign(producer.secretKey, headerBytes),
    hash: blockHash(headerBytes),
    entries,
  };
}
