/**
 * `foldnet worker`: a volunteer's process (docs/design.md "Command line"). Connects to a
 * coordinator, folds work units on `--threads` threads, spools finished results so none is
 * lost, and shows progress: a redrawn status block on a TTY, log lines otherwise (stderr).
 * SIGINT/SIGTERM stop it gracefully (exit 0); a second signal forces the exit.
 * @module
 */
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import type { LogLevel } from "../../common/log.js";
import {
  MAX_TEAM_BYTES,
  MAX_WORKER_NAME_BYTES,
  MAX_WORKER_THREADS,
} from "../../protocol/limits.js";
import { createDisplay } from "../../worker/display.js";
import { createWorkerMetrics, type MetricsServer, serveMetrics } from "../../worker/metrics.js";
import type { WorkerStatus } from "../../worker/status.js";
import { VolunteerWorker } from "../../worker/worker.js";
import { type Command, integerOption, parseCommandArgs, UsageError } from "../command.js";

/** Default home of the worker's files. */
const FOLDNET_HOME = join(homedir(), ".foldnet");
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export const workerCommand: Command = {
  name: "worker",
  summary: "volunteer: fold work units for a coordinator and earn tokens",
  help: `Usage: foldnet worker --coordinator ws://HOST:PORT [options]

Connects to a foldnet coordinator, authenticates with this machine's ed25519 identity, and
folds the work units it assigns on a pool of threads. Every finished result is written to a
local spool before it is sent, so a crash or a coordinator outage loses nothing: spooled
results are re-sent on the next connection. The worker reconnects by itself (backoff from
0.5 s to 30 s) and keeps folding while disconnected.

On a terminal it shows a status block (per thread: unit, % done, steps/s, best energy; and
results accepted, tokens earned); otherwise it writes log lines to stderr. Ctrl-C (SIGINT) or
SIGTERM stops it: running units stop at their last checkpoint (written to the spool at least
every --checkpoint-seconds; the next start resumes them), the socket is closed cleanly and the
spool kept. A second signal exits at once.

Options:
  --coordinator URL  the coordinator's WebSocket URL, ws://HOST:PORT or wss://… (the path
                     defaults to /ws)
  --threads N        folding threads, 1…${MAX_WORKER_THREADS} (default: this machine's available
                     parallelism, here ${Math.max(1, availableParallelism())})
  --identity FILE    ed25519 identity file, created on first start with mode 0600
                     (default ~/.foldnet/identity.json)
  --spool DIR        directory of results awaiting a verdict (default ~/.foldnet/spool);
                     one worker process per directory
  --name NAME        a name for this machine, shown on the coordinator's dashboard and in
                     /api/workers (up to ${MAX_WORKER_NAME_BYTES} bytes; control characters dropped)
  --team NAME        the team your results count for in the coordinator's stats (signed
                     with your key in hello; up to ${MAX_TEAM_BYTES} bytes)
  --checkpoint-seconds S  longest time between two checkpoints of a running unit, so a
                     crash redoes at most this much of it (default 60)
  --coordinator-key KEY  the coordinator's public key (hex, from its /api/status): refuse
                     to authenticate to any other
  --max-unit-spool-mb MB  refuse units whose result would need more spool (default 64)
  --log-level L      debug, info (default), warn or error
  --metrics-port P   serve Prometheus metrics at http://127.0.0.1:P/metrics (0 picks a free
                     port; see docs/metrics.md); off by default
  -h, --help         this help
`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      coordinator: { type: "string" },
      "coordinator-key": { type: "string" },
      threads: { type: "string" },
      identity: { type: "string", default: join(FOLDNET_HOME, "identity.json") },
      spool: { type: "string", default: join(FOLDNET_HOME, "spool") },
      name: { type: "string" },
      team: { type: "string" },
      "checkpoint-seconds": { type: "string" },
      "log-level": { type: "string", default: "info" },
      "metrics-port": { type: "string" },
      "max-unit-spool-mb": { type: "string" },
    });
    if (values.coordinator === undefined)
      throw new UsageError("--coordinator is required", "coordinator");
    const threads = integerOption(values.threads, "threads", Math.max(1, availableParallelism()));
    if (threads < 1 || threads > MAX_WORKER_THREADS)
      throw new UsageError(
        `--threads must be in 1…${MAX_WORKER_THREADS}, got ${threads}`,
        "threads",
      );
    const checkpointSeconds = Number(values["checkpoint-seconds"] ?? "60");
    if (!Number.isFinite(checkpointSeconds) || checkpointSeconds <= 0 || checkpointSeconds > 3600)
      throw new UsageError(
        `--checkpoint-seconds must be in (0, 3600], got ${values["checkpoint-seconds"]}`,
        "checkpoint-seconds",
      );
    const level = values["log-level"] as LogLevel;
    if (!LEVELS.includes(level))
      throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}`, "log-level");

    const metricsPort =
      values["metrics-port"] === undefined
        ? undefined
        : integerOption(values["metrics-port"], "metrics-port", 0);
    if (metricsPort !== undefined && (metricsPort < 0 || metricsPort > 65_535))
      throw new UsageError(`--metrics-port must be in 0…65535, got ${metricsPort}`, "metrics-port");

    if (values.team !== undefined && Buffer.byteLength(values.team) > MAX_TEAM_BYTES)
      throw new UsageError(`--team must be at most ${MAX_TEAM_BYTES} bytes`, "team");
    if (values.name !== undefined && Buffer.byteLength(values.name) > MAX_WORKER_NAME_BYTES)
      throw new UsageError(`--name must be at most ${MAX_WORKER_NAME_BYTES} bytes`, "name");
    const pinned = values["coordinator-key"];
    if (pinned !== undefined && !/^[0-9a-fA-F]{64}$/.test(pinned)) {
      throw new UsageError(
        "--coordinator-key must be 64 hex digits (the coordinator's public key)",
        "coordinator-key",
      );
    }
    const display = createDisplay({ stream: process.stderr, level });
    const metrics =
      metricsPort === undefined
        ? undefined
        : createWorkerMetrics(new Registry(), (): WorkerStatus => worker.status());
    const worker: VolunteerWorker = new VolunteerWorker(
      {
        coordinator: values.coordinator,
        threads,
        identityFile: values.identity,
        spoolDir: values.spool,
        checkpointMs: checkpointSeconds * 1000,
        maxUnitSpoolBytes:
          integerOption(values["max-unit-spool-mb"], "max-unit-spool-mb", 64) * 1024 * 1024,
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.team === undefined ? {} : { team: values.team }),
        ...(values["coordinator-key"] === undefined
          ? {}
          : { coordinatorKey: values["coordinator-key"] }),
      },
      { log: display.log, ...(metrics === undefined ? {} : { metrics }) },
    );
    let metricsServer: MetricsServer | undefined;

    let signalled: (signal: NodeJS.Signals) => void = () => {};
    const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
      signalled = resolve;
    });
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        display.log.warn("second signal: exiting now", { signal });
        process.exit(1);
      }
      signalled(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    try {
      await worker.start();
      if (metrics !== undefined && metricsPort !== undefined) {
        metricsServer = await serveMetrics(metrics.register, metricsPort);
        display.log.info("metrics listening", { url: metricsServer.url });
      }
      display.log.info("worker identity", { keyId: worker.keyId, file: values.identity });
      display.attach(() => worker.status());
      const signal = await stopRequested;
      display.log.info("stopping on signal", { signal });
      await worker.stop();
      return 0;
    } catch (err) {
      await worker.stop().catch(() => {});
      throw err;
    } finally {
      await metricsServer?.close();
      display.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};
