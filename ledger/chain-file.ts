/**
 * The exported chain: one self-contained file that `foldnet ledger verify` checks with no
 * trust in the coordinator. Layout (docs/ledger.md): tag `foldnet/v1/ledger-export` ‖
 * producer key 32 ‖ u32 block count ‖ per block: u32 header length ‖ header ‖ signature 64 ‖
 * u32 entry count ‖ per entry: u32 length ‖ canonical entry bytes. Decoding is bounded and
 * names the block (and entry) where the bytes stop making sense.
 * @module
 */

import { FoldnetError } from "../common/errors.js";
import { CanonicalReader, CanonicalWriter } from "../protocol/canonical.js";
import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from "../protocol/limits.js";
import { MAX_BLOCK_ENTRIES } from "./blocks.js";
import { LEDGER_TAGS, MAX_ENTRY_BYTES } from "./entries.js";

/** Longest header: tag, height, prev hash, timestamp, root, count, producer. */
const MAX_HEADER_BYTES = 256;

/** One block as it lies in the file. */
export interface RawBlock {
  readonly headerBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly entries: Uint8Array[];
}

/** A decoded export. */
export interface ChainFile {
  readonly producer: Uint8Array;
  readonly blocks: RawBlock[];
}

/** Where an export could not be decoded. */
export class ChainFileError extends FoldnetError<{
  code: "LEDGER_ERROR_BAD_FILE";
  block: number | null;
  entry: number | null;
  field: string;
}> {}

/** Writes an export. */
export function encodeChainFile(file: ChainFile): Uint8Array {
  const w = new CanonicalWriter(4096)
    .tag(LEDGER_TAGS.export)
    .bytes(file.producer, "producer", PUBLIC_KEY_BYTES)
    .u32(file.blocks.length, "blocks");
  for (const b of file.blocks) {
    w.varBytes(b.headerBytes, "header")
      .bytes(b.signature, "signature", SIGNATURE_BYTES)
      .u32(b.entries.length, "entries");
    for (const e of b.entries) w.varBytes(e, "entry");
  }
  return w.finish();
}

/**
 * Reads an export block by block, so a verifier checks block k before it reads block k+1
 * and a damaged block is named as itself, not as the block its bytes spill into.
 * @throws {ChainFileError} LEDGER_ERROR_BAD_FILE naming the block, entry and field.
 */
export function readChainFile(bytes: Uint8Array): {
  producer: Uint8Array;
  blocks: Iterable<RawBlock>;
} {
  const r = new CanonicalReader(bytes);
  const fail = (block: number | null, entry: number | null, err: unknown): ChainFileError => {
    const field =
      err instanceof FoldnetError
        ? String((err.type as { field?: string }).field ?? err.code)
        : "entries";
    const where =
      block === null
        ? "the file header or trailer"
        : `block ${block}${entry === null ? "" : `, entry ${entry}`}`;
    return new ChainFileError(
      { code: "LEDGER_ERROR_BAD_FILE", block, entry, field },
      `cannot decode ${where} (${field}): ${(err as Error).message}`,
    );
  };
  let producer: Uint8Array;
  let count: number;
  try {
    r.tag(LEDGER_TAGS.export);
    producer = r.bytes(PUBLIC_KEY_BYTES, "producer");
    count = r.u32("blocks");
  } catch (err) {
    throw fail(null, null, err);
  }
  function* blocks(): Generator<RawBlock> {
    for (let block = 0; block < count; block++) {
      let entry: number | null = null;
      try {
        const headerBytes = r.varBytes(MAX_HEADER_BYTES, "header");
        const signature = r.bytes(SIGNATURE_BYTES, "signature");
        const entryCount = r.u32("entries");
        if (entryCount > MAX_BLOCK_ENTRIES)
          throw new RangeError(`more than ${MAX_BLOCK_ENTRIES} entries`);
        const entries: Uint8Array[] = [];
        for (entry = 0; entry < entryCount; entry++)
          entries.push(r.varBytes(MAX_ENTRY_BYTES, "entry"));
        yield { headerBytes, signature, entries };
      } catch (err) {
        throw fail(block, entry, err);
      }
    }
    try {
      r.end();
    } catch (err) {
      throw fail(null, null, err);
    }
  }
  return { producer, blocks: blocks() };
}
