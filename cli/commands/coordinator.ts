/**
 * `foldnet coordinator`: runs the server (HTTP API, worker WebSocket endpoint, dashboard) on
 * one port with an embedded SQLite database, until SIGINT/SIGTERM.
 * @module
 */

import { isIP } from "node:net";
import { createLineLogger } from "../../common/log.js";
import { Coordinator } from "../../coordinator/coordinator.js";
import {
  DEFAULT_DB_FILE,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_VERIFY_THREADS,
} from "../../coordinator/defaults.js";
import { DEFAULT_SCHEDULER_OPTIONS } from "../../coordinator/scheduler.js";
import {
  coordinatorFiles,
  isSharedDatabase,
  openStore,
} from "../../coordinator/store/open-store.js";
import { DEFAULT_ENDPOINT_OPTIONS } from "../../coordinator/worker-endpoint.js";
import { apiKeysFrom } from "../api-key-option.js";
import {
  type Command,
  integerOption,
  parseCommandArgs,
  secondsOption,
  UsageError,
} from "../command.js";
import { installCrashPolicy } from "../crash-policy.js";

export const coordinatorCommand: Command = {
  name: "coordinator",
  summary: "run the coordinator server (job API, worker endpoint, dashboard)",
  help: `Usage: foldnet coordinator [--host ${DEFAULT_HOST}] [--port ${DEFAULT_PORT}] [--db FILE|URL] [options]

Serves researchers (HTTP API under /api), volunteers' workers (WebSocket at /ws) and
operators (/metrics, dashboard at /) on one port. State lives in an SQLite file, or in a
PostgreSQL database that several coordinators of one network share (--db postgres://…,
each with the same --key); a restarted coordinator carries on where it stopped. On first
start with no API key it mints one into FILE.api-key (or KEYFILE.api-key).

Options:
  --host H             address to listen on (default ${DEFAULT_HOST})
  --port P             port (default ${DEFAULT_PORT}; 0 picks a free one)
  --db FILE|URL        SQLite file (default ${DEFAULT_DB_FILE}) or postgres://user@host/db
  --key FILE           the network's signing key (default FILE.key.json beside an SQLite
                       file; required with PostgreSQL: the same file on every coordinator)
  --api-key-file FILE  accept the researcher API keys in FILE (one per line)
  --api-key KEY        accept this key too (repeatable; also FOLDNET_API_KEY); visible
                       in ps, so prefer the file or the variable
  --lease-seconds S    shortest lease of a work unit (default ${DEFAULT_SCHEDULER_OPTIONS.minLeaseMs / 1000})
  --grace-seconds S    how long a disconnected worker keeps its leases (default ${DEFAULT_SCHEDULER_OPTIONS.disconnectGraceMs / 1000})
  --verify-threads N   verification threads checking spot-check openings (default ${DEFAULT_VERIFY_THREADS})
  --auth-timeout-seconds S  close worker connections not authenticated after S (default ${DEFAULT_ENDPOINT_OPTIONS.authTimeoutMs / 1000})
  --trusted-proxy ADDR  a load balancer's IP address (repeatable): on its connections the
                       per-address limits count the client named in X-Forwarded-For
  -h, --help           this help
`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      host: { type: "string", default: DEFAULT_HOST },
      port: { type: "string" },
      db: { type: "string", default: DEFAULT_DB_FILE },
      key: { type: "string" },
      "api-key": { type: "string", multiple: true },
      "api-key-file": { type: "string" },
      "lease-seconds": { type: "string" },
      "grace-seconds": { type: "string" },
      "verify-threads": { type: "string" },
      "auth-timeout-seconds": { type: "string" },
      "trusted-proxy": { type: "string", multiple: true },
    });
    const trustedProxies = values["trusted-proxy"] ?? [];
    const notIp = trustedProxies.find((p) => isIP(p) === 0);
    if (notIp !== undefined)
      throw new UsageError(`--trusted-proxy must be an IP address, got ${notIp}`, "trusted-proxy");
    const log = createLineLogger((line) => process.stderr.write(`${line}\n`));
    installCrashPolicy(log, "coordinator");
    const apiKeys = apiKeysFrom(values);
    if (isSharedDatabase(values.db) && values.key === undefined)
      throw new UsageError(
        "coordinators sharing a PostgreSQL database sign with one network key: give --key FILE (the same file on each)",
        "key",
      );
    const files = coordinatorFiles(values.db, values.key);
    const coordinator = new Coordinator(
      {
        host: values.host,
        port: integerOption(values.port, "port", DEFAULT_PORT),
        ...files,
        apiKeys,
        trustedProxies,
        verifyThreads: integerOption(
          values["verify-threads"],
          "verify-threads",
          DEFAULT_VERIFY_THREADS,
        ),
        endpoint: {
          authTimeoutMs: secondsOption(
            values["auth-timeout-seconds"],
            "auth-timeout-seconds",
            DEFAULT_ENDPOINT_OPTIONS.authTimeoutMs,
          ),
        },
        scheduler: {
          minLeaseMs: secondsOption(
            values["lease-seconds"],
            "lease-seconds",
            DEFAULT_SCHEDULER_OPTIONS.minLeaseMs,
          ),
          disconnectGraceMs: secondsOption(
            values["grace-seconds"],
            "grace-seconds",
            DEFAULT_SCHEDULER_OPTIONS.disconnectGraceMs,
          ),
        },
      },
      { log, ...(await openStore(values.db, log)) },
    );
    const address = await coordinator.start();
    if (address.mintedApiKey !== undefined) {
      log.info("minted a researcher API key", { file: files.mintedApiKeyFile });
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
