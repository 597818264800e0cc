/**
 * The ledger over HTTP under `/api/ledger`: the whole chain as an export file anyone can
 * re-verify, recent blocks, balances, signed token transfers (checked for signature, nonce
 * and cover before they are appended, in one store transaction) and job escrows
 * (escrow-api.ts), and the explorer's block, history and search reads (ledger-explorer.ts).
 * See docs/api.md.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { encodeChainFile } from "../ledger/chain-file.js";
import { encodeEntry, type TransferEntry } from "../ledger/entries.js";
import { LedgerState, transferProblem } from "../ledger/verify-chain.js";
import { networkId } from "../protocol/canonical.js";
import { keyId } from "../protocol/identity.js";
import { ApiError } from "./errors.js";
import { fundJob } from "./escrow-api.js";
import { answerError, notFound, readJson, send } from "./http-util.js";
import { bodyObject, field, hex, u64 } from "./json-fields.js";
import { blockView, findBlock, foldPicture, historyOf, search } from "./ledger-explorer.js";
import type { Account, Store, StoredBlock } from "./store/store.js";

/** Most blocks one export holds. */
const EXPORT_LIMIT = 1_000_000;

const accountView = (a: Account) => ({
  key: a.key,
  keyId: keyId(hexToBytes(a.key)),
  balance: a.balance.toString(),
  nonce: a.nonce.toString(),
});

/** The sealed chain from block `from` on as an export file (ledger/chain-file.ts). */
export async function exportChain(
  store: Store,
  producer: Uint8Array,
  from = 0,
): Promise<Uint8Array> {
  return chainFile(await store.listBlocks(from, EXPORT_LIMIT), producer);
}

/** Stored blocks as an export file. */
export function chainFile(blocks: readonly StoredBlock[], producer: Uint8Array): Uint8Array {
  return encodeChainFile({
    producer,
    blocks: blocks.map((b) => ({
      headerBytes: b.headerBytes,
      signature: b.signature,
      entries: b.entries,
    })),
  });
}

/** Parses a transfer request body (hex keys and signature, decimal amount and nonce). */
export function parseTransfer(body: unknown): TransferEntry {
  const b = bodyObject(body);
  return {
    kind: "transfer",
    from: field(b, "from", hex(32)),
    to: field(b, "to", hex(32)),
    amount: field(b, "amount", u64),
    nonce: field(b, "nonce", u64),
    signature: field(b, "signature", hex(64)),
  };
}

/** The `/api/ledger` handler. */
export class LedgerApi {
  /** The last export file built, for the head it was built at. */
  private exported: { from: number; height: number; file: Uint8Array } | undefined;
  constructor(
    private readonly deps: { store: Store; producer: Uint8Array; onTransfer?: () => void },
  ) {}

  /**
   * The export file from block `from`: built once per chain head (and `from`), then served
   * from memory until the next block is sealed, so repeated downloads cost no rebuild.
   */
  private async exportFile(from: number): Promise<Uint8Array> {
    const height = (await this.deps.store.head())?.height ?? -1;
    const cached = this.exported;
    if (cached !== undefined && cached.from === from && cached.height === height)
      return cached.file;
    // built from the blocks as read now: a block sealed since `head` only makes it longer
    const file = await exportChain(this.deps.store, this.deps.producer, from);
    this.exported = { from, height, file };
    return file;
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      await this.route(req, res, url);
    } catch (err) {
      answerError(res, err);
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const [, , what, key, sub] = url.pathname.split("/").filter((p) => p !== "");
    const method = req.method ?? "GET";
    const { store } = this.deps;
    if (method === "GET" && what === "export") {
      const from = Number(url.searchParams.get("from") ?? 0);
      if (!Number.isSafeInteger(from) || from < 0) {
        throw new ApiError(
          { code: "API_ERROR_BAD_REQUEST", status: 400, field: "from" },
          "from must be a block height",
        );
      }
      send(res, 200, await this.exportFile(from), "application/octet-stream");
      return;
    }
    if (method === "GET" && what === "blocks" && key !== undefined && sub !== undefined) {
      const svg = await foldPicture(store, Number(key), sub);
      if (svg === undefined) throw notFound(`a work entry ${key}/${sub}`);
      send(res, 200, svg, "image/svg+xml");
      return;
    }
    if (method === "GET" && what === "blocks" && key !== undefined) {
      const block = await findBlock(store, key);
      if (block === undefined) throw notFound(`block ${key}`);
      send(res, 200, blockView(block));
      return;
    }
    if (method === "GET" && what === "history" && key !== undefined) {
      const account = accountView(await store.account(bytesToHex(field({ key }, "key", hex(32)))));
      const limit = Math.min(
        1000,
        Math.max(1, Number(url.searchParams.get("limit") ?? 100) || 100),
      );
      send(res, 200, { ...account, history: await historyOf(store, account.key, limit) });
      return;
    }
    if (method === "GET" && what === "search") {
      send(res, 200, await search(store, url.searchParams.get("q") ?? ""));
      return;
    }
    if (method === "GET" && what === "blocks") {
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get("limit") ?? 20) || 20));
      const head = await store.head();
      const from = head === undefined ? 0 : Math.max(0, head.height - limit + 1);
      const blocks = (await store.listBlocks(from, limit)).reverse();
      send(res, 200, {
        producer: bytesToHex(this.deps.producer),
        pending: await store.pendingEntries(),
        blocks: blocks.map((b) => ({
          height: b.height,
          hash: bytesToHex(b.hash),
          timestamp: b.timestamp,
          entries: b.entries.length,
        })),
      });
      return;
    }
    if (method === "GET" && what === "balances") {
      if (key === undefined)
        send(res, 200, { balances: (await store.accounts(500)).map(accountView) });
      else
        send(
          res,
          200,
          accountView(await store.account(bytesToHex(field({ key }, "key", hex(32))))),
        );
      return;
    }
    if (method === "POST" && what === "transfers") {
      const transfer = parseTransfer(await readJson(req));
      const from = bytesToHex(transfer.from);
      const problem = await store.appendTransfer(
        encodeEntry(transfer),
        { from, to: bytesToHex(transfer.to), amount: transfer.amount, nonce: transfer.nonce },
        (sender) => {
          const state = new LedgerState();
          state.balances.set(from, sender.balance);
          state.nonces.set(from, sender.nonce);
          return transferProblem(state, transfer, networkId(this.deps.producer));
        },
      );
      if (problem !== undefined) {
        throw new ApiError(
          { code: "API_ERROR_TRANSFER_REFUSED", status: 409, reason: problem.code },
          `transfer refused: ${problem.message}`,
        );
      }
      this.deps.onTransfer?.();
      send(res, 201, { pending: true, from: accountView(await store.account(from)) });
      return;
    }
    if (method === "POST" && what === "escrows") {
      const escrow = await fundJob(store, this.deps.producer, await readJson(req));
      this.deps.onTransfer?.();
      send(res, 201, { pending: true, escrow });
      return;
    }
    throw notFound(`${method} ${url.pathname}`);
  }
}
