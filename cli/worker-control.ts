/**
 * The volunteer-control side of `foldnet worker`: its resource-rule flags and `--config` file
 * turned into `ResourceRules`, and `foldnet worker pause|resume|finish|status`, which drive a
 * running worker through its control API on 127.0.0.1 (`--ui-port`, default 7711) with the
 * token beside the identity.
 * @module
 */
import { availableParallelism } from "node:os";
import { formatTokens } from "../common/tokens.js";
import { MAX_WORKER_THREADS } from "../protocol/limits.js";
import {
  callControl,
  controlPageUrl,
  controlTokenFile,
  loadControlToken,
} from "../worker/control-client.js";
import type { ControlStatus } from "../worker/control-server.js";
import { checkRules, DEFAULT_RULES, type ResourceRules, readRulesFile } from "../worker/rules.js";
import { integerOption, parseCommandArgs, UsageError } from "./command.js";

/** The page and control API's port when none is given. */
export const DEFAULT_UI_PORT = 7711;

/** The flags of the rules, as `parseCommandArgs` specs. */
export const RULE_FLAGS = {
  config: { type: "string" },
  "max-cpu": { type: "string" },
  "idle-only": { type: "boolean" },
  "idle-threshold": { type: "string" },
  schedule: { type: "string" },
  "pause-on-battery": { type: "boolean" },
  "ui-port": { type: "string" },
} as const;

/** The flags' values this module reads. */
export interface RuleFlagValues {
  readonly config?: string | undefined;
  readonly threads?: string | undefined;
  readonly "max-cpu"?: string | undefined;
  readonly "idle-only"?: boolean | undefined;
  readonly "idle-threshold"?: string | undefined;
  readonly schedule?: string | undefined;
  readonly "pause-on-battery"?: boolean | undefined;
}

/**
 * The rules from the defaults, then the config file, then the flags; and the thread ceiling
 * (the larger of this machine's parallelism and the threads asked for).
 * @throws {WorkerError} WORKER_ERROR_BAD_RULES for a bad config file or value.
 * @throws {UsageError} for a flag that is not a number.
 */
export function rulesFromFlags(values: RuleFlagValues): {
  rules: ResourceRules;
  maxThreads: number;
} {
  const fromFile = values.config === undefined ? {} : readRulesFile(values.config);
  const flags: Record<string, unknown> = {};
  if (values.threads !== undefined) flags.threads = integerOption(values.threads, "threads", 0);
  if (values["max-cpu"] !== undefined)
    flags.maxCpu = integerOption(values["max-cpu"], "max-cpu", 0);
  if (values["idle-threshold"] !== undefined)
    flags.idleThreshold = integerOption(values["idle-threshold"], "idle-threshold", 0);
  if (values["idle-only"] === true) flags.idleOnly = true;
  if (values.schedule !== undefined) flags.schedule = values.schedule;
  if (values["pause-on-battery"] === true) flags.pauseOnBattery = true;
  const asked = [fromFile.threads, flags.threads].filter((t): t is number => typeof t === "number");
  const maxThreads = Math.min(
    MAX_WORKER_THREADS,
    Math.max(availableParallelism(), 1, ...asked.filter((t) => Number.isInteger(t))),
  );
  const base = { ...DEFAULT_RULES, threads: Math.min(maxThreads, availableParallelism()) };
  return {
    rules: checkRules(flags, checkRules(fromFile, base, maxThreads), maxThreads),
    maxThreads,
  };
}

/** `--ui-port`: a port, `off`, or absent (DEFAULT_UI_PORT); `explicit` when given. */
export function uiPortOption(value: string | undefined): {
  port: number | undefined;
  explicit: boolean;
} {
  if (value === "off") return { port: undefined, explicit: true };
  const port = integerOption(value, "ui-port", DEFAULT_UI_PORT);
  if (port > 65_535)
    throw new UsageError(`--ui-port must be in 0…65535 or off, got ${port}`, "ui-port");
  return { port, explicit: value !== undefined };
}

const REASONS: Readonly<Record<string, string>> = {
  paused: "paused by you",
  schedule: "outside the schedule",
  busy: "the machine is busy",
  battery: "on battery",
};

/** The human summary `foldnet worker status` prints. */
export function describeStatus(s: ControlStatus, pageUrl: string): string {
  const { worker: w, control: c } = s;
  const state = c.finishing
    ? "finishing the units in hand"
    : c.holding.length === 0
      ? "folding"
      : `holding (${c.holding.map((r) => REASONS[r] ?? r).join(", ")})`;
  const r = c.rules;
  const lines = [
    `worker ${w.keyId}  ${w.connection} to ${w.coordinator}`,
    `state    ${state}`,
    `threads  ${r.threads} of ${c.maxThreads}, max CPU ${r.maxCpu} % each`,
    `rules    idle-only ${r.idleOnly ? `(under ${r.idleThreshold} %, others now ${c.otherCpuPct === undefined ? "?" : c.otherCpuPct.toFixed(0)} %)` : "off"}, schedule ${r.schedule ?? "always"}, pause on battery ${r.pauseOnBattery ? "on" : "off"}`,
    ...w.units.map(
      (u) =>
        `unit     ${u.unitId} (job ${u.jobId})  ${((100 * u.stepsDone) / u.steps).toFixed(1)} %  ${Math.round(u.stepsPerSecond)} steps/s`,
    ),
    `results  ${w.resultsAccepted} accepted, ${w.resultsRejected} rejected, ${w.spooled} awaiting a verdict`,
    `tokens   ${formatTokens(BigInt(w.tokensEarned))} earned this session${s.balance === undefined ? "" : `, balance ${formatTokens(BigInt(s.balance))}`}`,
    `page     ${pageUrl}`,
  ];
  return `${lines.join("\n")}\n`;
}

/** `foldnet worker pause|resume|finish|status [--ui-port P] [--identity FILE] [--json]`. */
export async function runControlAction(
  action: "pause" | "resume" | "finish" | "status",
  argv: string[],
  defaultIdentity: string,
): Promise<number> {
  const { values } = parseCommandArgs(argv, {
    "ui-port": { type: "string" },
    identity: { type: "string", default: defaultIdentity },
    json: { type: "boolean" },
  });
  const { port } = uiPortOption(values["ui-port"]);
  if (port === undefined || port === 0)
    throw new UsageError("--ui-port must name the running worker's port", "ui-port");
  const tokenFile = controlTokenFile(values.identity);
  const token = loadControlToken(tokenFile, false);
  if (token === undefined)
    throw new UsageError(
      `no control token at ${tokenFile}: is a worker with this --identity running with its page on?`,
      "identity",
    );
  const answer = await callControl<ControlStatus>(
    port,
    token,
    action === "status" ? "GET" : "POST",
    `/api/${action}`,
  );
  process.stdout.write(
    values.json === true
      ? `${JSON.stringify(answer)}\n`
      : describeStatus(answer, controlPageUrl(port, token)),
  );
  return 0;
}
