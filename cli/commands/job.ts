/**
 * `foldnet job submit|status|result|list|cancel`: a researcher's client of the coordinator's
 * HTTP API. The API key comes from `--api-key-file`, FOLDNET_API_KEY or `--api-key`.
 * `submit --bounty` also escrows tokens from the `--wallet` key into the job's bounty
 * (cli/wallet-client.ts).
 * @module
 */
import { writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createProgress } from "../../common/progress.js";
import { formatTokens } from "../../common/tokens.js";
import type { ApiClient, JobView } from "../../coordinator/api-client.js";
import { DEFAULT_COORDINATOR } from "../../coordinator/defaults.js";
import { loadIdentity } from "../../protocol/identity.js";
import { CLIENT_OPTIONS, clientFrom } from "../api-key-option.js";
import { submitBatch } from "../batch-file.js";
import { type Command, integerOption, parseCommandArgs, UsageError } from "../command.js";
import { topFolds } from "../fold-pictures.js";
import { fastaJobs, sequenceFields } from "../protein-input.js";
import { fundJob, parseTokens } from "../wallet-client.js";

const HELP = `Usage: foldnet job <submit|status|result|results|list|cancel> [options]

  foldnet job submit --seq HP… --steps N [--lattice square2d|cubic3d|fcc3d] [--model hp|mj]
                     [--trajectories T] [--no-cooperate]
                     [--unit-steps U] [--target E] [--replicas R] [--name NAME] [--wait]
                     [--private] [--priority P] [--notify URL] [--bounty TOKENS [--wallet FILE] [--coordinator-key KEY]]
  foldnet job submit --fasta FILE --steps N [options as above]
  foldnet job submit --file JOBS.jsonl
  foldnet job status JOB_ID
  foldnet job result JOB_ID [--svg FILE] [--pdb FILE]
  foldnet job folds JOB_ID [--top K] [--svg-dir DIR]
  foldnet job list [--batch BATCH_ID]
  foldnet job results --batch BATCH_ID [--format csv|jsonl]
  foldnet job cancel JOB_ID

Options for every subcommand:
  --coordinator URL  the coordinator (default ${DEFAULT_COORDINATOR}, or FOLDNET_COORDINATOR)
  --api-key-file F   file holding the researcher API key for submit and cancel
                     (or FOLDNET_API_KEY; --api-key KEY works too but shows in ps)
  --json             print exactly one JSON object
  -h, --help         this help

submit: --steps is the job's step budget (move attempts in all); --unit-steps the size of
one work unit (a multiple of 1024); --target stops the job when a fold reaches energy E;
--wait follows the job with a progress bar until it ends; --private shows the job, its
results and pictures only to its owner's account and admins; --priority (1–100, default 1)
is the job's part of its account's fair share of the workers, relative to the account's
other running jobs; --notify URL gets a POST signed with the coordinator's key when the job
ends (docs/api.md). --bounty escrows TOKENS from the
--wallet identity (default ~/.foldnet/identity.json) into the job: each verified unit is paid
its share by steps (plus the improvement bonus) on top of its reward, and what is left goes
back to the wallet when the job ends or is cancelled. The escrow is signed for the
coordinator's network (--coordinator-key pins its key); if it is refused the job is cancelled.

--model mj folds amino acids (--seq or --fasta, one-letter codes) with Miyazawa-Jernigan contact
energies (units of 0.01 RT) instead of mapping them to H/P. A job of 2 or more trajectories
restarts a trajectory's next unit from another's stronger verified state (cooperation,
docs/coordinator.md); --no-cooperate keeps them independent.

--seq takes H/P letters, or amino acids (one-letter codes) when it has any other letter;
--fasta FILE takes the proteins of a FASTA file (one job, or a batch of one job per record,
named by its header). Amino acids are mapped to H/P by the Kyte-Doolittle hydropathy sign
(I V L F C M A are H), and the coordinator keeps the amino acids and the scale with the job.

folds lists the K (default 5) best distinct folds the job's verified units found, lowest
energy first; --svg-dir writes a picture of each (JOB_ID-RANK.svg).

submit --file submits a batch: one JSON job request per line (as POST /api/jobs takes, e.g.
{"sequence":"HPPH…","steps":1048576}), up to 10,000, checked all or nothing: every bad line
is reported with its number and field. results --batch prints one row per sequence (line,
job, sequence, status, bestEnergy, fold, eStar = the job's target when given, steps, timeMs).
`;

const POLL_MS = 1_000;

function describe(job: JobView): string {
  const best = job.bestEnergy === null ? "—" : `E = ${job.bestEnergy}`;
  return (
    `job        ${job.id}${job.name ? ` (${job.name})` : ""} — ${job.status}\n` +
    `sequence   ${job.sequence} (${job.sequence.length} residues, ${job.lattice}, ${job.model})\n` +
    `progress   ${(job.progress * 100).toFixed(1)}%  ${job.stepsDone} of ${job.stepsPlanned} steps, ${job.unitsVerified} units verified\n` +
    (job.eta
      ? `eta        ${job.eta.seconds} s at ${job.eta.stepsPerSecond} verified steps/s\n`
      : "") +
    `best       ${best}${job.bestFold ? `  ${job.bestFold}` : ""}\n` +
    (job.bounty
      ? `bounty     ${formatTokens(BigInt(job.bounty.amount))} tokens: ${formatTokens(BigInt(job.bounty.paid))} paid` +
        `${job.bounty.refunded === null ? "" : `, ${formatTokens(BigInt(job.bounty.refunded))} refunded`}\n`
      : "")
  );
}

export const jobCommand: Command = {
  name: "job",
  summary: "submit and follow folding jobs on a coordinator",
  help: HELP,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        ...CLIENT_OPTIONS,
        seq: { type: "string" },
        lattice: { type: "string" },
        model: { type: "string" },
        "no-cooperate": { type: "boolean", default: false },
        steps: { type: "string" },
        trajectories: { type: "string" },
        "unit-steps": { type: "string" },
        target: { type: "string" },
        replicas: { type: "string" },
        name: { type: "string" },
        wait: { type: "boolean", default: false },
        private: { type: "boolean", default: false },
        priority: { type: "string" },
        notify: { type: "string" },
        bounty: { type: "string" },
        wallet: { type: "string", default: join(homedir(), ".foldnet", "identity.json") },
        "coordinator-key": { type: "string" },
        svg: { type: "string" },
        file: { type: "string" },
        fasta: { type: "string" },
        batch: { type: "string" },
        format: { type: "string", default: "jsonl" },
        top: { type: "string", default: "5" },
        "svg-dir": { type: "string" },
        pdb: { type: "string" },
      },
      true,
    );
    const [action, id] = positionals;
    const client = clientFrom(values);
    const print = (job: JobView) =>
      process.stdout.write(values.json ? `${JSON.stringify(job)}\n` : describe(job));
    const printBatch = (batch: { id: string; size: number }) =>
      process.stdout.write(
        values.json ? `${JSON.stringify(batch)}\n` : `batch ${batch.id}: ${batch.size} jobs\n`,
      );
    const needId = () => {
      if (id === undefined) throw new UsageError(`foldnet job ${action} needs a JOB_ID`);
      return id;
    };
    switch (action) {
      case "submit": {
        if (values.file !== undefined) {
          const batch = await submitBatch(client, values.file);
          printBatch(batch);
          return 0;
        }
        if ((values.seq === undefined) === (values.fasta === undefined))
          throw new UsageError("give --seq or --fasta (or --file)", "seq");
        if (values.steps === undefined) throw new UsageError("--steps is required", "steps");
        const spec: Record<string, unknown> = {
          steps: integerOption(values.steps, "steps", 0),
          ...(values.lattice === undefined ? {} : { lattice: values.lattice }),
          ...(values.model === undefined ? {} : { model: values.model }),
          ...(values["no-cooperate"] ? { cooperate: false } : {}),
          ...(values.trajectories === undefined
            ? {}
            : { trajectories: integerOption(values.trajectories, "trajectories", 0) }),
          ...(values["unit-steps"] === undefined
            ? {}
            : { unitSteps: integerOption(values["unit-steps"], "unit-steps", 0) }),
          ...(values.replicas === undefined
            ? {}
            : { replicas: integerOption(values.replicas, "replicas", 0) }),
          ...(values.name === undefined ? {} : { name: values.name }),
          ...(values.private ? { private: true } : {}),
          ...(values.notify === undefined ? {} : { notify: values.notify }),
          ...(values.priority === undefined
            ? {}
            : { priority: integerOption(values.priority, "priority", 1) }),
        };
        if (values.target !== undefined) {
          if (!/^-?\d+$/.test(values.target))
            throw new UsageError("--target must be an integer energy", "target");
          spec.targetEnergy = Number(values.target);
        }
        if (values.seq !== undefined)
          Object.assign(spec, sequenceFields(values.seq, values.model ?? "hp"));
        const records = values.fasta === undefined ? [] : fastaJobs(values.fasta);
        if (records.length > 1) {
          const jobs = records.map((r) => ({
            ...spec,
            name: values.name ?? r.name,
            aminoAcids: r.aminoAcids,
          }));
          const batch = await client.call<{ id: string; size: number }>("POST", "/api/batches", {
            jobs,
          });
          printBatch(batch);
          return 0;
        }
        if (records[0] !== undefined)
          Object.assign(spec, {
            name: records[0].name,
            ...spec,
            aminoAcids: records[0].aminoAcids,
          });
        const bounty =
          values.bounty === undefined ? undefined : parseTokens(values.bounty, "bounty");
        const funder = bounty === undefined ? undefined : loadIdentity(values.wallet);
        let job = await client.submit(spec);
        if (bounty !== undefined && funder !== undefined) {
          try {
            await fundJob(client, funder, job, bounty, values["coordinator-key"]);
          } catch (err) {
            await client.cancel(job.id);
            throw err;
          }
          job = await client.job(job.id);
          if (!values.json)
            process.stderr.write(
              `bounty of ${formatTokens(bounty)} tokens escrowed into ${job.id}\n`,
            );
        }
        if (values.wait) job = await follow(client, job, values.json);
        print(job);
        return 0;
      }
      case "status":
        print(await client.job(needId()));
        return 0;
      case "result": {
        const job = await client.job(needId());
        if (values.svg !== undefined)
          writeFileSync(values.svg, await client.picture(job.id, "svg"));
        if (values.pdb !== undefined)
          writeFileSync(values.pdb, await client.picture(job.id, "pdb"));
        print(job);
        return 0;
      }
      case "folds": {
        const answer = await topFolds(client, needId(), values.top, values["svg-dir"]);
        if (values.json) process.stdout.write(`${JSON.stringify(answer)}\n`);
        else
          for (const [i, f] of answer.folds.entries())
            process.stdout.write(`${i + 1}. E = ${f.energy}  ${f.fold}  (${f.units} units)\n`);
        return 0;
      }
      case "results": {
        if (values.batch === undefined) throw new UsageError("--batch is required", "batch");
        const path = `/api/batches/${encodeURIComponent(values.batch)}/results`;
        process.stdout.write(await client.call<string>("GET", `${path}?format=${values.format}`));
        return 0;
      }
      case "list": {
        const { jobs } =
          values.batch === undefined
            ? await client.jobs()
            : await client.call<{ jobs: JobView[] }>(
                "GET",
                `/api/batches/${encodeURIComponent(values.batch)}`,
              );
        if (values.json) process.stdout.write(`${JSON.stringify({ jobs })}\n`);
        else
          for (const j of jobs)
            process.stdout.write(
              `${j.id}  ${j.status.padEnd(9)} ${String(j.bestEnergy ?? "—").padStart(5)}  ${(j.progress * 100).toFixed(0).padStart(3)}%  ${j.name || j.sequence}\n`,
            );
        return 0;
      }
      case "cancel":
        print(await client.cancel(needId()));
        return 0;
      default:
        throw new UsageError(
          `unknown job action "${action ?? ""}" (submit, status, result, results, folds, list, cancel)`,
        );
    }
  },
};

/** Polls a job until it ends, with a progress bar on stderr. */
export async function follow(client: ApiClient, job: JobView, quiet: boolean): Promise<JobView> {
  const progress = createProgress(`job ${job.id}`, job.stepsPlanned, quiet);
  while (job.status === "running") {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    job = await client.job(job.id);
    progress.update(job.stepsDone, `best E = ${job.bestEnergy ?? "—"}`);
  }
  progress.finish(`${job.status}, best E = ${job.bestEnergy ?? "—"}`);
  return job;
}
