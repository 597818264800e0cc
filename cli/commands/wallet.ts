/**
 * `foldnet wallet balance|history|transfer|backup|restore`: a volunteer's tokens. The wallet
 * is the worker's identity file (the ed25519 key that earned the rewards); transfers are
 * signed here and sent to the coordinator, which appends them to the ledger; a backup is the
 * key sealed under a passphrase (protocol/identity-backup.ts).
 * @module
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { formatTokens } from "../../common/tokens.js";
import { type AccountView, ApiClient, DEFAULT_COORDINATOR } from "../../coordinator/api-client.js";
import { transferPayload } from "../../protocol/canonical.js";
import { keyId, loadIdentity, saveIdentity, sign } from "../../protocol/identity.js";
import { backupIdentity, restoreIdentity } from "../../protocol/identity-backup.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";
import { networkOf, parseTokens, resolveKey } from "../wallet-client.js";

/** One entry of a key's history (coordinator/ledger-explorer.ts historyOf). */
interface HistoryItem {
  height: number;
  index: number;
  timestamp: number;
  change: string;
  entry: Record<string, string | number>;
}

const describeEntry = (e: HistoryItem["entry"]): string => {
  switch (e.kind) {
    case "work":
      return `reward for unit ${e.unitId} (E = ${e.bestEnergy})`;
    case "bounty":
      return `bounty of job ${e.jobId} for unit ${e.unitId}`;
    case "escrow":
      return `escrow into job ${e.jobId}'s bounty`;
    case "refund":
      return `refund of job ${e.jobId}'s unspent bounty`;
    default:
      return `transfer ${keyId(hexToBytes(String(e.from)))} → ${keyId(hexToBytes(String(e.to)))}`;
  }
};

/** The passphrase of a backup: FOLDNET_PASSPHRASE, else the first line of stdin. */
function passphrase(): string {
  const text = process.env.FOLDNET_PASSPHRASE ?? readFileSync(0, "utf8").split(/\r?\n/)[0] ?? "";
  if (text.length < 8) throw new UsageError("the passphrase must have at least 8 characters");
  return text;
}

export const walletCommand: Command = {
  name: "wallet",
  summary: "show, transfer, back up and restore the tokens your worker key has earned",
  help: `Usage: foldnet wallet balance [--identity FILE | --key KEY] [options]
       foldnet wallet history [--identity FILE | --key KEY] [--limit N] [options]
       foldnet wallet transfer --to KEY --amount TOKENS [--identity FILE] [options]
       foldnet wallet backup --out FILE [--identity FILE]
       foldnet wallet restore --in FILE [--identity FILE]

balance   the key's balance and transfer count on the coordinator's ledger (sealed and pending)
history   the newest sealed entries that moved the key's tokens: rewards, bounties, transfers,
          escrows and refunds, with the change to its balance
transfer  signs a transfer of TOKENS (up to 6 decimals) to another key (64 hex, or its 16-hex
          key id) with your identity and sends it; the coordinator refuses overdrafts and replays
backup    writes your identity's secret key sealed under a passphrase (scrypt, AES-256-GCM)
restore   writes the identity a backup holds to --identity (never over an existing file)

The passphrase (8 characters or more) is read from FOLDNET_PASSPHRASE, else from stdin.

Options:
  --identity FILE    the worker identity (default ~/.foldnet/identity.json)
  --key KEY          balance, history: any public key (hex) or key id instead of your own
  --coordinator URL  the coordinator (default ${DEFAULT_COORDINATOR}, or FOLDNET_COORDINATOR)
  --json             print one JSON object
  -h, --help         this help
`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        identity: { type: "string", default: join(homedir(), ".foldnet", "identity.json") },
        key: { type: "string" },
        to: { type: "string" },
        amount: { type: "string" },
        limit: { type: "string" },
        out: { type: "string" },
        in: { type: "string" },
        coordinator: { type: "string" },
        json: { type: "boolean", default: false },
      },
      true,
    );
    const client = new ApiClient(
      values.coordinator ?? process.env.FOLDNET_COORDINATOR ?? DEFAULT_COORDINATOR,
    );
    const print = (json: unknown, text: string) =>
      process.stdout.write(values.json ? `${JSON.stringify(json)}\n` : text);
    const show = (a: AccountView) =>
      print(
        a,
        `${a.keyId}  ${formatTokens(BigInt(a.balance))} tokens  (${a.nonce} transfers sent)\n`,
      );
    const subject = async () =>
      values.key === undefined
        ? bytesToHex(loadIdentity(values.identity).publicKey)
        : resolveKey(client, values.key, "key");
    const [action] = positionals;
    switch (action) {
      case "balance":
        show(await client.account(await subject()));
        return 0;
      case "history": {
        const limit = values.limit ?? "100";
        const answer = await client.call<AccountView & { history: HistoryItem[] }>(
          "GET",
          `/api/ledger/history/${await subject()}?limit=${encodeURIComponent(limit)}`,
        );
        const lines = answer.history.map((h) => {
          const change = BigInt(h.change);
          const sign = change < 0n ? "-" : "+";
          const amount = formatTokens(change < 0n ? -change : change);
          return `block ${h.height}.${h.index}  ${sign}${amount}  ${describeEntry(h.entry)}\n`;
        });
        print(
          answer,
          `${lines.join("")}${answer.keyId}  ${formatTokens(BigInt(answer.balance))} tokens now\n`,
        );
        return 0;
      }
      case "transfer": {
        if (values.to === undefined) throw new UsageError("--to is required", "to");
        if (values.amount === undefined) throw new UsageError("--amount is required", "amount");
        const amount = parseTokens(values.amount);
        const to = await resolveKey(client, values.to, "to");
        const me = loadIdentity(values.identity);
        const from = bytesToHex(me.publicKey);
        const nonce = BigInt((await client.account(from)).nonce) + 1n;
        const transfer = { from: me.publicKey, to: hexToBytes(to), amount, nonce };
        // signed for this network only (its id is the hash of the coordinator's key)
        const signature = sign(me.secretKey, transferPayload(transfer, await networkOf(client)));
        const answer = await client.call<{ from: AccountView }>("POST", "/api/ledger/transfers", {
          from,
          to,
          amount: amount.toString(),
          nonce: nonce.toString(),
          signature: bytesToHex(signature),
        });
        if (!values.json)
          process.stdout.write(`sent ${formatTokens(amount)} tokens to ${keyId(transfer.to)}\n`);
        show(answer.from);
        return 0;
      }
      case "backup": {
        if (values.out === undefined) throw new UsageError("--out is required", "out");
        const backup = backupIdentity(loadIdentity(values.identity), passphrase());
        writeFileSync(values.out, `${JSON.stringify(backup, null, 2)}\n`, {
          mode: 0o600,
          flag: "wx",
        });
        print(
          { file: values.out, publicKey: backup.publicKey },
          `backup of ${keyId(hexToBytes(backup.publicKey))} written to ${values.out}\n`,
        );
        return 0;
      }
      case "restore": {
        if (values.in === undefined) throw new UsageError("--in is required", "in");
        if (existsSync(values.identity))
          throw new UsageError(
            `${values.identity} exists: restore into a new --identity file`,
            "identity",
          );
        const identity = restoreIdentity(JSON.parse(readFileSync(values.in, "utf8")), passphrase());
        saveIdentity(values.identity, identity);
        const key = bytesToHex(identity.publicKey);
        print(
          { file: values.identity, publicKey: key },
          `identity ${keyId(identity.publicKey)} restored to ${values.identity}\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(
          `unknown wallet action "${action ?? ""}" (balance, history, transfer, backup, restore)`,
        );
    }
  },
};
