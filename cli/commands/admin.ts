/**
 * `foldnet admin …`: an operator's client of the coordinator's admin API (an admin API key):
 * researcher keys added (printed once), listed and revoked; worker keys banned and let back;
 * any job cancelled; the audit log of all of it. Every action takes `--json`.
 * @module
 */
import { DEFAULT_COORDINATOR } from "../../coordinator/defaults.js";
import { CLIENT_OPTIONS, clientFrom } from "../api-key-option.js";
import { type Command, parseCommandArgs, UsageError } from "../command.js";

const HELP = `Usage: foldnet admin <keys|workers|jobs|audit> … [options]

  foldnet admin keys add --name ACCOUNT [--role researcher|admin]
  foldnet admin keys list
  foldnet admin keys revoke KEY_ID
  foldnet admin accounts weight ACCOUNT WEIGHT
  foldnet admin accounts list
  foldnet admin workers ban WORKER_KEY
  foldnet admin workers unban WORKER_KEY
  foldnet admin jobs cancel JOB_ID
  foldnet admin audit

Options:
  --coordinator URL  the coordinator (default ${DEFAULT_COORDINATOR}, or FOLDNET_COORDINATOR)
  --api-key-file F   file holding an admin API key (or FOLDNET_API_KEY; --api-key KEY works
                     too but shows in ps)
  --json             print exactly one JSON object
  -h, --help         this help

keys add mints a key for ACCOUNT (role researcher unless --role admin) and prints it once:
only its sha256 is stored. keys list shows each key's id (the first 16 hex characters of
its hash), account, role and whether it is revoked; keys revoke takes that id (or a unique
prefix of it) and the key is refused at once. accounts weight sets an account's share of the
work (every account weighs 1 unless set; a weight of 2 gets twice the steps of a 1 while
both have work queued). workers ban refuses a worker key (hex public
key) at its next connection; unban lets it back and clears its strikes. Every admin action
is in the audit log.
`;

const enc = encodeURIComponent;

/** One line per row for people, or the whole answer as JSON. */
function render(answer: Record<string, unknown>, json: boolean): string {
  if (json) return `${JSON.stringify(answer)}\n`;
  const rows = (answer.keys ?? answer.entries ?? answer.weights) as
    | Record<string, unknown>[]
    | undefined;
  if (rows !== undefined) return rows.map((r) => `${Object.values(r).join("  ")}\n`).join("");
  if (typeof answer.key === "string")
    return `${answer.key}\n(account ${answer.account}, role ${answer.role}, id ${answer.id}: the key is shown only now)\n`;
  return Object.entries(answer)
    .map(([k, v]) => `${k.padEnd(12)} ${typeof v === "object" ? JSON.stringify(v) : v}\n`)
    .join("");
}

export const adminCommand: Command = {
  name: "admin",
  summary: "manage API keys, worker bans and jobs; read the audit log (admin key)",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        ...CLIENT_OPTIONS,
        name: { type: "string" },
        role: { type: "string" },
      },
      true,
    );
    const client = clientFrom(values);
    const [area, action, arg] = positionals;
    const need = (what: string) => {
      if (arg === undefined) throw new UsageError(`foldnet admin ${area} ${action} needs ${what}`);
      return enc(arg);
    };
    const call = (method: string, path: string, body?: unknown) =>
      client.call<Record<string, unknown>>(method, path, body);
    let answer: Record<string, unknown>;
    const route = `${area ?? ""} ${action ?? ""}`.trim();
    switch (route) {
      case "keys add":
        if (values.name === undefined) throw new UsageError("--name is required", "name");
        answer = await call("POST", "/api/admin/keys", {
          name: values.name,
          role: values.role ?? "researcher",
        });
        break;
      case "keys list":
        answer = await call("GET", "/api/admin/keys");
        break;
      case "keys revoke":
        answer = await call("POST", `/api/admin/keys/${need("a KEY_ID")}/revoke`);
        break;
      case "accounts list":
        answer = await call("GET", "/api/admin/accounts");
        break;
      case "accounts weight": {
        const weight = Number(positionals[3]);
        answer = await call("POST", `/api/admin/accounts/${need("an ACCOUNT")}/weight`, { weight });
        break;
      }
      case "workers ban":
      case "workers unban":
        answer = await call("POST", `/api/admin/workers/${need("a WORKER_KEY")}/${action}`);
        break;
      case "jobs cancel":
        answer = await call("POST", `/api/jobs/${need("a JOB_ID")}/cancel`);
        break;
      case "audit":
        answer = await call("GET", "/api/audit");
        break;
      default:
        throw new UsageError(
          `unknown admin action "${route}" (keys add|list|revoke, accounts list|weight, workers ban|unban, jobs cancel, audit)`,
        );
    }
    process.stdout.write(render(answer, values.json));
    return 0;
  },
};
