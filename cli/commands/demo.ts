/**
 * `foldnet demo` (what `npm start` runs): a whole local network in one process — a
 * coordinator on an embedded SQLite file, N volunteer workers (each its own key, spool and
 * thread pool) talking to it over real WebSockets on loopback, and a demo job on a public HP
 * benchmark submitted through the real HTTP API. At the end it seals the ledger, exports it and
 * re-verifies the export; with `--once` it exits 0 when the job is done and the ledger verifies.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createLineLogger } from "../../common/log.js";
import { formatTokens } from "../../common/tokens.js";
import { ApiClient } from "../../coordinator/api-client.js";
import { hashApiKey } from "../../coordinator/api-keys.js";
import { Coordinator } from "../../coordinator/coordinator.js";
import { DEFAULT_HOST, DEFAULT_PORT } from "../../coordinator/defaults.js";
import { coordinatorFiles, openStore } from "../../coordinator/store/open-store.js";
import { verifyChain } from "../../ledger/verify-chain.js";
import { VolunteerWorker } from "../../worker/worker.js";
import { type Command, integerOption, parseCommandArgs } from "../command.js";
import { follow } from "./job.js";

/** The demo job: the 2D 64-mer of the HP benchmarks (Unger & Moult 1993), E* = −42. */
const DEMO_SEQUENCE = "HHHHHHHHHHHHPHPHPPHHPPHHPPHPPHHPPHHPPHPPHHPPHHPPHPHPHHHHHHHHHHHH";
const DEMO_TARGET = -42;
/** Demo-sized units (2 M steps, a fraction of a second) so progress shows unit by unit. */
const DEMO_UNIT_STEPS = 2_048 * 1_024;

/** What the demo runs unless told otherwise. */
const DEMO = { workers: 2, budget: 200_000_000, db: ".foldnet/demo.db" } as const;

export const demoCommand: Command = {
  name: "demo",
  summary: "run a local network (coordinator, workers, a demo job) in one process",
  help: `Usage: foldnet demo [--workers ${DEMO.workers}] [--budget N] [--db FILE] [--port P] [--once] [--json]

Starts a coordinator on an embedded SQLite database, local volunteer workers connected to it
over WebSockets on ${DEFAULT_HOST}, and submits a demo job (the 2D HP 64-mer, best-known energy
−42) through the HTTP API; shows the job's progress and writes a picture of its best fold.
Without --once the network keeps running (Ctrl-C stops it) so you can submit more jobs:
  FOLDNET_API_KEY="$(cat FILE.api-key)" foldnet job submit --coordinator http://${DEFAULT_HOST}:PORT …

Options:
  --workers N   volunteer workers, one thread each (default ${DEMO.workers})
  --budget N    the demo job's step budget (default ${DEMO.budget}; it stops earlier at E = −42)
  --db FILE     SQLite database (default ${DEMO.db})
  --port P      port of the coordinator (default ${DEFAULT_PORT}; 0 picks a free one)
  --once        exit when the demo job is done (exit 0 when it completed)
  --json        print one JSON summary: jobId, sequence, lattice, bestEnergy, bestFold,
                unitsVerified, stepsDone, blocks, ledgerValid, tokensIssued, seconds, url
  -h, --help    this help
`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      workers: { type: "string" },
      budget: { type: "string" },
      db: { type: "string", default: DEMO.db },
      port: { type: "string" },
      once: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    });
    const workers = integerOption(values.workers, "workers", DEMO.workers);
    const budget = integerOption(values.budget, "budget", DEMO.budget);
    const dir = join(values.db, "..");
    mkdirSync(dir, { recursive: true });
    const quiet = createLineLogger((line) => process.stderr.write(`${line}\n`), { level: "warn" });
    const started = Date.now();
    const coordinator = new Coordinator(
      {
        host: DEFAULT_HOST,
        port: integerOption(values.port, "port", DEFAULT_PORT),
        ...coordinatorFiles(values.db, undefined),
      },
      { log: quiet, ...(await openStore(values.db)) },
    );
    const address = await coordinator.start();
    const apiKey = `fn_demo_${Date.now().toString(36)}`;
    await coordinator.store.access.addKey(hashApiKey(apiKey), "demo", "admin", Date.now());
    const volunteers = Array.from(
      { length: workers },
      (_, i) =>
        new VolunteerWorker(
          {
            coordinator: address.wsUrl,
            threads: 1,
            identityFile: join(dir, `worker-${i}.json`),
            spoolDir: join(dir, `spool-${i}`),
            name: `demo-${i}`,
          },
          { log: quiet },
        ),
    );
    await Promise.all(volunteers.map((v) => v.start()));
    const client = new ApiClient(address.url, apiKey);
    let job = await client.submit({
      name: "demo: 2D 64-mer",
      sequence: DEMO_SEQUENCE,
      lattice: "square2d",
      steps: budget,
      trajectories: workers,
      unitSteps: DEMO_UNIT_STEPS,
      targetEnergy: DEMO_TARGET,
    });
    if (!values.json)
      process.stderr.write(`coordinator ${address.url} — ${workers} workers — job ${job.id}\n`);
    job = await follow(client, job, values.json);
    await coordinator.sealer.sealAll();
    const ledgerFile = join(dir, "ledger.fnl");
    const chain = await client.exportChain();
    writeFileSync(ledgerFile, chain);
    let ledger: { valid: boolean; blocks: number; issued: string; error?: string };
    try {
      const verified = verifyChain(chain, coordinator.identity.publicKey);
      ledger = { valid: true, blocks: verified.blocks, issued: formatTokens(verified.issued) };
    } catch (err) {
      ledger = { valid: false, blocks: 0, issued: "0", error: (err as Error).message };
    }
    const picture = join(dir, "best.svg");
    if (job.bestFold !== null) writeFileSync(picture, await client.picture(job.id, "svg"));
    const summary = {
      jobId: job.id,
      sequence: job.sequence,
      lattice: job.lattice,
      status: job.status,
      bestEnergy: job.bestEnergy,
      bestFold: job.bestFold,
      unitsVerified: job.unitsVerified,
      stepsDone: job.stepsDone,
      blocks: ledger.blocks,
      ledgerValid: ledger.valid,
      tokensIssued: ledger.issued,
      seconds: Number(((Date.now() - started) / 1000).toFixed(2)),
      url: address.url,
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    } else {
      process.stdout.write(
        `job ${job.id} ${job.status}: best E = ${job.bestEnergy} (best known ${DEMO_TARGET}) after ${job.unitsVerified} verified units, ${summary.seconds} s\n` +
          `fold ${job.bestFold}\npicture ${picture}\n` +
          `ledger ${ledgerFile}: ${ledger.valid ? `valid, ${ledger.blocks} blocks, ${ledger.issued} tokens issued` : `INVALID: ${ledger.error}`}\n`,
      );
    }
    if (!values.once) {
      process.stderr.write(`the network keeps running at ${address.url} (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
    }
    await Promise.all(volunteers.map((v) => v.stop()));
    await coordinator.stop();
    return job.status === "done" && ledger.valid ? 0 : 1;
  },
};
