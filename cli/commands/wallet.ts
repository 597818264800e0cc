/**
 * `foldnet wallet balance|transfer`: a volunteer's tokens. The wallet is the worker's
 * identity file (the ed25519 key that earned the rewards); transfers are signed here and
 * sent to the coordinator, which appends them to the ledger.
 * @module
 */
import { homedir } from "node:os";
import { join } from "node:path";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { formatTokens, MICRO_PER_TOKEN } from "../../common/tokens.js";
import { ApiClient, DEFAULT_COORDINATOR } from "../../coordinator/api-client.js";
import { transferPayload } from "../../protocol/canonical.js";
import { keyId, loadIdentity, sign } from "../../protocol/identity.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";

interface AccountView {
  key: string;
  keyId: string;
  balance: string;
  nonce: string;
}

/**
 * "1.5" tokens → 1500000 micro-tokens.
 * @throws {UsageError} for anything but a positive decimal with at most 6 decimals.
 */
export function parseTokens(text: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (m === null)
    throw new UsageError(
      `--amount must be a number of tokens with at most 6 decimals, got "${text}"`,
      "amount",
    );
  const micro = BigInt(m[1] as string) * MICRO_PER_TOKEN + BigInt((m[2] ?? "").padEnd(6, "0"));
  if (micro === 0n) throw new UsageError("--amount must be positive", "amount");
  return micro;
}

export const walletCommand: Command = {
  name: "wallet",
  summary: "show or transfer the tokens your worker key has earned",
  help: `Usage: foldnet wallet balance [--identity FILE | --key KEY] [options]
       foldnet wallet transfer --to KEY --amount TOKENS [--identity FILE] [options]

balance   the key's balance and transfer count on the coordinator's ledger (sealed and pending)
transfer  signs a transfer of TOKENS (up to 6 decimals) to another key (hex) with your
          identity and sends it; the coordinator refuses overdrafts and replays

Options:
  --identity FILE    the worker identity (default ~/.foldnet/identity.json)
  --key KEY          balance: any public key (hex) instead of your own
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
        coordinator: { type: "string" },
        json: { type: "boolean", default: false },
      },
      true,
    );
    const client = new ApiClient(
      values.coordinator ?? process.env.FOLDNET_COORDINATOR ?? DEFAULT_COORDINATOR,
    );
    const account = (key: string) => client.call<AccountView>("GET", `/api/ledger/balances/${key}`);
    const show = (a: AccountView) =>
      process.stdout.write(
        values.json
          ? `${JSON.stringify(a)}\n`
          : `${a.keyId}  ${formatTokens(BigInt(a.balance))} tokens  (${a.nonce} transfers sent)\n`,
      );
    const [action] = positionals;
    if (action === "balance") {
      show(await account(values.key ?? bytesToHex(loadIdentity(values.identity).publicKey)));
      return 0;
    }
    if (action === "transfer") {
      if (values.to === undefined || !/^[0-9a-fA-F]{64}$/.test(values.to))
        throw new UsageError("--to must be a 64-hex-digit public key", "to");
      if (values.amount === undefined) throw new UsageError("--amount is required", "amount");
      const amount = parseTokens(values.amount);
      const me = loadIdentity(values.identity);
      const from = bytesToHex(me.publicKey);
      const nonce = BigInt((await account(from)).nonce) + 1n;
      const transfer = { from: me.publicKey, to: hexToBytes(values.to), amount, nonce };
      // signed for this network only: its ledger's producer key
      const { producer } = await client.call<{ producer: string }>(
        "GET",
        "/api/ledger/blocks?limit=1",
      );
      const signature = sign(me.secretKey, transferPayload(transfer, hexToBytes(producer)));
      const answer = await client.call<{ from: AccountView }>("POST", "/api/ledger/transfers", {
        from,
        to: values.to.toLowerCase(),
        amount: amount.toString(),
        nonce: nonce.toString(),
        signature: bytesToHex(signature),
      });
      if (!values.json)
        process.stdout.write(`sent ${formatTokens(amount)} tokens to ${keyId(transfer.to)}\n`);
      show(answer.from);
      return 0;
    }
    throw new UsageError(`unknown wallet action "${positionals[0] ?? ""}" (balance, transfer)`);
  },
};
