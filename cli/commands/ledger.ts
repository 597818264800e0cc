/**
 * `foldnet ledger export|verify`: download the useful-work chain from a coordinator (or read
 * it from its database), and re-verify an exported chain trusting nothing but the file.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { hexToBytes } from "@noble/hashes/utils.js";
import { FoldnetError } from "../../common/errors.js";
import { formatTokens } from "../../common/tokens.js";
import { ApiClient } from "../../coordinator/api-client.js";
import { DEFAULT_COORDINATOR } from "../../coordinator/defaults.js";
import { exportChain } from "../../coordinator/ledger-api.js";
import { openStore } from "../../coordinator/store/open-store.js";
import { decodeHeader } from "../../ledger/blocks.js";
import { expectHead, verifyChain } from "../../ledger/verify-chain.js";
import { keyId } from "../../protocol/identity.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";

export const ledgerCommand: Command = {
  name: "ledger",
  summary: "export the useful-work ledger, or verify an exported one",
  help: `Usage: foldnet ledger export [--db FILE | --coordinator URL] [--out FILE]
       foldnet ledger verify FILE [--producer KEY] [--head HASH] [--json]

export   writes the sealed chain as one file (default ledger.fnl): from a coordinator's
         HTTP API (default ${DEFAULT_COORDINATOR}) or straight from its SQLite database.
verify   checks every block's hash chain, signature, entries root and every entry: each
         recorded fold's energy, each reward (recomputed), each transfer's signature, nonce
         and cover; prints the balances it computed. Needs nothing but the file. Exits 1
         naming the first bad block and entry.

Options:
  --coordinator URL  coordinator to export from
  --db FILE          coordinator database to export from (instead of --coordinator)
  --out FILE         export file (default ledger.fnl)
  --producer KEY     verify: the coordinator key (hex) the chain must be signed by
  --head HASH        verify: the block hash (hex) the chain must end at, e.g. from a
                     trusted /api/ledger/blocks (a chain with blocks cut off fails)
  --json             print one JSON object
  -h, --help         this help
`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        coordinator: { type: "string" },
        db: { type: "string" },
        out: { type: "string", default: "ledger.fnl" },
        producer: { type: "string" },
        head: { type: "string" },
        json: { type: "boolean", default: false },
      },
      true,
    );
    const [action, file] = positionals;
    if (action === "export") {
      let bytes: Uint8Array;
      if (values.db !== undefined) {
        const { store } = await openStore(values.db);
        try {
          const [first] = await store.listBlocks(0, 1);
          if (first === undefined)
            throw new FoldnetError(
              { code: "LEDGER_ERROR_EMPTY" },
              `${values.db} has no sealed block yet`,
            );
          bytes = await exportChain(store, decodeHeader(first.headerBytes).producer);
        } finally {
          await store.close();
        }
      } else {
        bytes = await new ApiClient(
          values.coordinator ?? process.env.FOLDNET_COORDINATOR ?? DEFAULT_COORDINATOR,
        ).exportChain();
      }
      writeFileSync(values.out, bytes);
      process.stdout.write(
        values.json
          ? `${JSON.stringify({ out: values.out, bytes: bytes.length })}\n`
          : `wrote ${values.out} (${bytes.length} bytes)\n`,
      );
      return 0;
    }
    if (action === "verify") {
      if (file === undefined) throw new UsageError("foldnet ledger verify needs a FILE");
      const pinned = values.producer === undefined ? undefined : hexToBytes(values.producer);
      try {
        const s = verifyChain(new Uint8Array(readFileSync(file)), pinned);
        if (values.head !== undefined) expectHead(s, values.head);
        const balances = [...s.balances].map(([key, amount]) => ({
          key,
          keyId: keyId(hexToBytes(key)),
          balance: amount.toString(),
        }));
        if (values.json) {
          process.stdout.write(
            `${JSON.stringify({ valid: true, producer: s.producer, blocks: s.blocks, entries: s.entries, workEntries: s.workEntries, transfers: s.transfers, issued: s.issued.toString(), work: s.work.toString(), escrowed: s.escrowed.toString(), paidOut: s.paidOut.toString(), refunded: s.refunded.toString(), held: s.held.toString(), headHash: s.headHash, balances })}\n`,
          );
        } else {
          process.stdout.write(
            `valid: ${s.blocks} blocks, ${s.entries} entries (${s.workEntries} work, ${s.transfers} transfers), producer ${keyId(hexToBytes(s.producer))}\n` +
              `issued ${formatTokens(s.issued)} tokens for ${s.work} work units; head ${s.headHash ?? "—"}\n` +
              `bounties: ${formatTokens(s.escrowed)} escrowed = ${formatTokens(s.paidOut)} paid + ${formatTokens(s.refunded)} refunded + ${formatTokens(s.held)} held\n` +
              balances
                .map((b) => `  ${b.keyId}  ${formatTokens(BigInt(b.balance)).padStart(16)}\n`)
                .join(""),
          );
        }
        return 0;
      } catch (err) {
        if (!(err instanceof FoldnetError)) throw err;
        const where = err.type as { block?: number | null; entry?: number | null };
        if (values.json) {
          process.stdout.write(
            `${JSON.stringify({ valid: false, code: err.code, block: where.block ?? null, entry: where.entry ?? null, message: err.message })}\n`,
          );
        }
        process.stderr.write(`foldnet ledger: INVALID ${err.code}: ${err.message}\n`);
        return 1;
      }
    }
    throw new UsageError(`unknown ledger action "${action ?? ""}" (export, verify)`);
  },
};
