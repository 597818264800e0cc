/**
 * `foldnet worker`: a volunteer's process (docs/design.md "Command line"). Connects to a
 * coordinator (or the next of a list, on failure), folds work units on `--threads` threads, spools finished results so none is
 * lost, and shows progress: a redrawn status block on a TTY, log lines otherwise (stderr).
 * SIGINT/SIGTERM stop it gracefully (exit 0); a second signal forces the exit. It serves its
 * local page and control API (worker/control-server.ts) and applies the volunteer's resource
 * rules (worker/control.ts); `foldnet worker pause|resume|finish|status` drive a running one
 * (cli/worker-control.ts).
 * @module
 */
import { readFileSync } from "node:fs";
import { availableParallelism, homedir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import { Registry } from "prom-client";
import { systemClock } from "../../common/clock.js";
import type { Logger, LogLevel } from "../../common/log.js";
import { loadOrCreateIdentity } from "../../protocol/identity.js";
import {
  MAX_TEAM_BYTES,
  MAX_WORKER_NAME_BYTES,
  MAX_WORKER_THREADS,
} from "../../protocol/limits.js";
import { WorkerControl } from "../../worker/control.js";
import { controlTokenFile, loadControlToken } from "../../worker/control-client.js";
import {
  type ControlServer,
  coordinatorBalance,
  serveControl,
} from "../../worker/control-server.js";
import { createDisplay } from "../../worker/display.js";
import { coordinatorUrls } from "../../worker/failover.js";
import { createWorkerMetrics, type MetricsServer, serveMetrics } from "../../worker/metrics.js";
import { systemProcReader } from "../../worker/rule-idle.js";
import type { WorkerStatus } from "../../worker/status.js";
import { VolunteerWorker } from "../../worker/worker.js";
import { type Command, integerOption, parseCommandArgs, UsageError } from "../command.js";
import { RULE_FLAGS, rulesFromFlags, runControlAction, uiPortOption } from "../worker-control.js";

/** Default home of the worker's files. */
const FOLDNET_HOME = join(homedir(), ".foldnet");
const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];
const ACTIONS = ["pause", "resume", "finish", "status"] as const;

export const workerCommand: Command = {
  name: "worker",
  summary: "volunteer: fold work units for a coordinator and earn tokens",
  help: `Usage: foldnet worker --coordinator ws://HOST:PORT[,ws://HOST2:PORT…] [options]
       foldnet worker pause|resume|finish|status [--ui-port P] [--identity FILE] [--json]

Connects to a foldnet coordinator, authenticates with this machine's ed25519 identity, and
folds the work units it assigns on a pool of threads. Every finished result is written to a
local spool before it is sent, so a crash or a coordinator outage loses nothing: spooled
results are re-sent on the next connection, to whichever coordinator of the network it is.
The worker keeps folding while disconnected and reconnects by itself: given several
coordinators, it starts with one drawn at random and, when the connection is lost or cannot
be made, moves to the next at once; only after every one failed in a row does it wait
(backoff from 0.5 s to 30 s).

On a terminal it shows a status block (per thread: unit, % done, steps/s, best energy; and
results accepted, tokens earned); otherwise it writes log lines to stderr. Ctrl-C (SIGINT) or
SIGTERM stops it: running units stop at their last checkpoint (written to the spool at least
every --checkpoint-seconds; the next start resumes them), the socket is closed cleanly and the
spool kept. A second signal exits at once.

It serves a local page at http://127.0.0.1:7711/ (--ui-port): what each thread folds, tokens
earned and the wallet balance, the rules, and pause / resume / finish buttons. Control needs
the token in the file "control-token" beside the identity; \`foldnet worker status\` prints
the page's address with it. pause: threads stop within a second (units in hand are
checkpointed and kept; a paused worker stays paused across restarts). resume: they go on.
finish: complete and deliver the units in hand, ask for no more, exit 0.

Options:
  --coordinator URLS the coordinator's WebSocket URL, ws://HOST:PORT or wss://… (the path
                     defaults to /ws), or the URLs of several coordinators of one network
                     separated by commas
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
  --ui-port P        the local page and control API on 127.0.0.1:P (default 7711, left out
                     with a warning when taken; off: none)
Resource rules (also in --config; changeable on the page, which saves them to that file):
  --config FILE      JSON rules: {"maxCpu": 50, "idleOnly": true, "idleThreshold": 25,
                     "schedule": "Mon-Fri 18:00-08:00; Sat-Sun", "pauseOnBattery": true,
                     "threads": 2}; flags override it
  --max-cpu PCT      most CPU per thread, % of a core (a duty cycle; default 100)
  --idle-only        fold only while other programs use under --idle-threshold % of the
                     machine's CPU (default 25), resuming after 10 s under it
  --schedule TEXT    when to fold, local time: "Mon-Fri 18:00-08:00; Sat-Sun" (days and
                     HH:MM-HH:MM ranges; an end before the start runs past midnight)
  --pause-on-battery pause while the machine runs on battery
  -h, --help         this help
`,
  async run(argv) {
    const action = ACTIONS.find((a) => a === argv[0]);
    if (action !== undefined)
      return runControlAction(action, argv.slice(1), join(FOLDNET_HOME, "identity.json"));
    const { values } = parseCommandArgs(argv, {
      ...RULE_FLAGS,
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
    const { rules, maxThreads } = rulesFromFlags(values);
    const ui = uiPortOption(values["ui-port"]);
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
    const control = new WorkerControl({
      rules,
      maxThreads,
      dataDir: values.spool,
      ...(values.config === undefined ? {} : { configFile: values.config }),
      clock: systemClock,
      log: display.log,
      proc: systemProcReader((file) => readFileSync(file, "latin1")),
    });
    const worker: VolunteerWorker = new VolunteerWorker(
      {
        coordinator: values.coordinator,
        threads: maxThreads,
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
      { log: display.log, control, ...(metrics === undefined ? {} : { metrics }) },
    );
    let metricsServer: MetricsServer | undefined;
    let controlServer: ControlServer | undefined;

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
      control.start();
      controlServer = await startPage(
        ui,
        values.identity,
        values.coordinator,
        control,
        worker,
        display.log,
      );
      if (metrics !== undefined && metricsPort !== undefined) {
        metricsServer = await serveMetrics(metrics.register, metricsPort);
        display.log.info("metrics listening", { url: metricsServer.url });
      }
      display.log.info("worker identity", { keyId: worker.keyId, file: values.identity });
      display.attach(() => worker.status());
      const ended = await Promise.race([stopRequested, finished(control, worker)]);
      display.log.info(ended === "finished" ? "finished the units in hand" : "stopping on signal", {
        signal: ended,
      });
      await worker.stop();
      return 0;
    } catch (err) {
      await worker.stop().catch(() => {});
      throw err;
    } finally {
      control.stop();
      await controlServer?.close();
      await metricsServer?.close();
      display.stop();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
};

/** Resolves once `finish` was asked and no unit runs or awaits a verdict. */
function finished(control: WorkerControl, worker: VolunteerWorker): Promise<"finished"> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const s = worker.status();
      if (control.isFinishing && s.units.length === 0 && s.spooled === 0) {
        clearInterval(timer);
        resolve("finished");
      }
    }, 250);
    timer.unref();
  });
}

/**
 * Serves the page and control API; the default port, when taken, only logs a warning.
 * @throws {Error} when an explicitly given port cannot be opened.
 */
async function startPage(
  ui: { port: number | undefined; explicit: boolean },
  identityFile: string,
  coordinator: string,
  control: WorkerControl,
  worker: VolunteerWorker,
  log: Logger,
): Promise<ControlServer | undefined> {
  if (ui.port === undefined) return undefined;
  const token = loadControlToken(controlTokenFile(identityFile), true) as string;
  const publicKey = bytesToHex(loadOrCreateIdentity(identityFile).publicKey);
  try {
    const server = await serveControl({
      port: ui.port,
      token,
      control,
      status: () => worker.status(),
      // any coordinator of the network answers for the whole ledger
      balance: coordinatorBalance(coordinatorUrls(coordinator)[0]!, publicKey),
      log,
    });
    log.info("control page", {
      url: `http://127.0.0.1:${server.port}/`,
      tokenFile: controlTokenFile(identityFile),
    });
    return server;
  } catch (err) {
    if (ui.explicit) throw err;
    log.warn("no control page: its port is taken (--ui-port)", { port: ui.port, error: err });
    return undefined;
  }
}
