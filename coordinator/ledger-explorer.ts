/**
 * The ledger's explorer reads, under `/api/ledger`: a block with its decoded entries, a
 * key's history (every sealed entry that moved its tokens, with the signed change), and a
 * search that resolves a key, key id, block height or block hash. They read the sealed chain
 * as `foldnet ledger verify` does, so what the explorer shows is what the export proves.
 * @module
 */
import { bytesToHex } from "@noble/hashes/utils.js";
import { decodeEntry, type LedgerEntry } from "../ledger/entries.js";
import { keyId } from "../protocol/identity.js";
import { renderSvg } from "../sim/render-svg.js";
import type { Store, StoredBlock } from "./store/store.js";

/** Most blocks an explorer scan reads. */
const SCAN_LIMIT = 1_000_000;

/** An entry as JSON: keys and hashes in hex, amounts as decimal strings. */
export function entryView(entry: LedgerEntry): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(entry).map(([k, v]) => [
      k,
      v instanceof Uint8Array ? bytesToHex(v) : typeof v === "bigint" ? v.toString() : v,
    ]),
  );
}

/** A block as JSON with its decoded entries. */
export function blockView(block: StoredBlock): Record<string, unknown> {
  return {
    height: block.height,
    hash: bytesToHex(block.hash),
    timestamp: block.timestamp,
    entries: block.entries.map((bytes) => entryView(decodeEntry(bytes))),
  };
}

/** How an entry changes `key`'s balance (0 when it does not touch it). */
export function balanceChange(entry: LedgerEntry, key: string): bigint {
  const is = (k: Uint8Array) => bytesToHex(k) === key;
  switch (entry.kind) {
    case "work":
      return is(entry.worker) ? entry.reward : 0n;
    case "transfer":
      return (is(entry.to) ? entry.amount : 0n) - (is(entry.from) ? entry.amount : 0n);
    case "escrow":
      return is(entry.funder) ? -entry.amount : 0n;
    case "bounty":
      return is(entry.worker) ? entry.amount : 0n;
    case "refund":
      return is(entry.funder) ? entry.amount : 0n;
  }
}

/** The newest `limit` sealed entries that changed `key`'s balance, newest first. */
export async function historyOf(
  store: Store,
  key: string,
  limit: number,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const block of await store.listBlocks(0, SCAN_LIMIT)) {
    block.entries.forEach((bytes, index) => {
      const entry = decodeEntry(bytes);
      const change = balanceChange(entry, key);
      if (change === 0n) return;
      items.push({
        height: block.height,
        index,
        timestamp: block.timestamp,
        change: change.toString(),
        entry: entryView(entry),
      });
    });
  }
  return items.reverse().slice(0, limit);
}

/** A block by height (decimal) or hash (hex), if sealed. */
export async function findBlock(store: Store, ref: string): Promise<StoredBlock | undefined> {
  if (/^\d{1,15}$/.test(ref))
    return (await store.listBlocks(Number(ref), 1)).find((b) => b.height === Number(ref));
  const hash = ref.toLowerCase();
  return (await store.listBlocks(0, SCAN_LIMIT)).find((b) => bytesToHex(b.hash) === hash);
}

/** The fold picture of work entry `name` (`INDEX.svg`) of block `height`, if it is one. */
export async function foldPicture(
  store: Store,
  height: number,
  name: string,
): Promise<string | undefined> {
  const index = /^(\d{1,6})\.svg$/.exec(name)?.[1];
  if (index === undefined || !Number.isSafeInteger(height)) return undefined;
  const bytes = (await store.listBlocks(height, 1)).find((b) => b.height === height)?.entries[
    Number(index)
  ];
  const entry = bytes === undefined ? undefined : decodeEntry(bytes);
  if (entry?.kind !== "work") return undefined;
  const title = `unit ${entry.unitId} — E = ${entry.bestEnergy}`;
  return renderSvg(entry.sequence, entry.fold, entry.lattice, {
    title,
    model: entry.model ?? "hp",
  });
}

/** What a search term names: a block, a key, or nothing. */
export type SearchHit =
  | { kind: "block"; height: number }
  | { kind: "key"; key: string; keyId: string }
  | { kind: "none" };

/** Resolves a key (hex), key id (16 hex), block height or block hash. */
export async function search(store: Store, term: string): Promise<SearchHit> {
  const q = term.trim().toLowerCase();
  if (/^\d{1,15}$/.test(q)) {
    const block = await findBlock(store, q);
    return block === undefined ? { kind: "none" } : { kind: "block", height: block.height };
  }
  if (!/^[0-9a-f]{16}$|^[0-9a-f]{64}$/.test(q)) return { kind: "none" };
  const keys = new Set([
    ...(await store.accounts(SCAN_LIMIT)).map((a) => a.key),
    ...(await store.listWorkers(SCAN_LIMIT)).map((w) => w.key),
  ]);
  for (const key of keys) {
    if (key === q || keyId(Buffer.from(key, "hex")) === q)
      return { kind: "key", key, keyId: keyId(Buffer.from(key, "hex")) };
  }
  const block = q.length === 64 ? await findBlock(store, q) : undefined;
  return block === undefined ? { kind: "none" } : { kind: "block", height: block.height };
}
