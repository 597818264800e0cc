/**
 * `foldnet coordinator`: runs the server (HTTP API, worker WebSocket endpoint, dashboard) on
 * one port with an embedded SQLite database, until SIGINT/SIGTERM.
 * @module
 */

import { createLineLogger } from "../../common/log.js";
import { Coordinator } from "../../coordinator/coordinator.js";
import { apiKeysFrom } from "../api-key-option.js";
import { type Command, integerOption, parseCommandArgs } from "../command.js";
import { installCrashPolicy } from "../crash-policy.js";

export const coordinatorCommand: Command = {
  name: "coordinator",
  summary: "run the coordinator server (job API, worker endpoint, dashboard)",
  help: `Usage: foldnet coordinator [--host 127.0.0.1] [--port 7700] [--db FILE] [options]

Serves researchers (HTTP API under /api), volunteers' workers (WebSocket at /ws) and
operators (/metrics, dashboard at /) on one port. State lives in an SQLite file; a
restarted coordinator carries on where it stopped. On first start with no API key it mints
one into FILE.api-key.

Options:
  --host H             address to listen on (default 127.0.0.1)
  --port P             port (default 7700; 0 picks a free one)
  --db FILE            SQLite database (default foldnet.db)
  --api-key-file FILE  accept the researcher API keys in FILE (one per line)
  --api-key KEY        accept this key too (repeatable; also FOLDNET_API_KEY); visible
                       in ps, so prefer the file or the variable
  --lease-seconds S    shortest lease of a work unit (default 120)
  --grace-seconds S    how long a disconnected worker keeps its leases (default 30)
  --verify-threads N   verification threads checking spot-check openings (default 1)
  --auth-timeout-seconds S  close worker connections not authenticated after S (default 10)
  -h, --help           this help
`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "7700" },
      db: { type: "string", default: "foldnet.db" },
      "api-key": { type: "string", multiple: true },
      "api-key-file": { type: "string" },
      "lease-seconds": { type: "string" },
      "grace-seconds": { type: "string" },
      "verify-threads": { type: "string" },
      "auth-timeout-seconds": { type: "string" },
    });
    const log = createLineLogger((line) => process.stderr.write(`${line}\n`));
    installCrashPolicy(log, "coordinator");
    const apiKeys = apiKeysFrom(values);
    const coordinator = new Coordinator(
      {
        host: values.host,
        port: integerOption(values.port, "port", 7700),
        dbFile: values.db,
        apiKeys,
        verifyThreads: integerOption(values["verify-threads"], "verify-threads", 1),
        endpoint: {
          authTimeoutMs:
            integerOption(values["auth-timeout-seconds"], "auth-timeout-seconds", 10) * 1000,
        },
        scheduler: {
          minLeaseMs: integerOption(values["lease-seconds"], "lease-seconds", 120) * 1000,
          disconnectGraceMs: integerOption(values["grace-seconds"], "grace-seconds", 30) * 1000,
        },
      },
      { log },
    );
    const address = await coordinator.start();
    if (address.mintedApiKey !== undefined) {
      log.info("minted a researcher API key", { file: `${values.db}.api-key` });
    }
    process.stdout.write(
      `${JSON.stringify({ url: address.url, wsUrl: address.wsUrl, port: address.port })}\n`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    log.info("coordinator stopping");
    await coordinator.stop();
    return 0;
  },
};
