/**
 * Batches over HTTP: `POST /api/batches` creates up to 10,000 jobs from one request, checked
 * all-or-nothing (every bad line's number and field is answered); `GET /api/batches/:id`
 * lists its jobs; `GET /api/batches/:id/results?format=csv|jsonl` exports one row per
 * sequence (sequence, best energy, fold, E* when known, steps, time). A private job's row is
 * shown only to who may read it.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { caller, mayRead, optionalCaller } from "./access.js";
import { ApiError, type BatchLineError } from "./errors.js";
import { jobView } from "./http-api.js";
import { notFound, readJson, send } from "./http-util.js";
import { type JobSpec, parseJobSpec } from "./job-spec.js";
import { type SubmitDeps, submitJobs } from "./job-submit.js";
import type { JobRecord } from "./store/store.js";

/** Most jobs in one batch. */
export const MAX_BATCH_JOBS = 10_000;
/** Largest batch request body (10,000 lines of a few hundred bytes). */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** The columns of a batch's results, in CSV order. */
export const RESULT_COLUMNS = [
  "line",
  "job",
  "sequence",
  "status",
  "bestEnergy",
  "fold",
  "eStar",
  "steps",
  "timeMs",
] as const;

/**
 * Validates a batch request `{jobs: [spec, …]}`; line n is `jobs[n - 1]`.
 * @throws {ApiError} API_ERROR_BAD_REQUEST for a body without jobs; API_ERROR_BAD_BATCH with
 * every bad line.
 */
export function parseBatch(body: unknown): JobSpec[] {
  const jobs = (body as { jobs?: unknown } | null)?.jobs;
  if (!Array.isArray(jobs) || jobs.length === 0 || jobs.length > MAX_BATCH_JOBS) {
    throw new ApiError(
      { code: "API_ERROR_BAD_REQUEST", status: 400, field: "jobs" },
      `jobs must be an array of 1 to ${MAX_BATCH_JOBS} job requests`,
    );
  }
  const errors: BatchLineError[] = [];
  const specs: JobSpec[] = [];
  jobs.forEach((job, i) => {
    try {
      specs.push(parseJobSpec(job));
    } catch (err) {
      if (!(err instanceof ApiError) || err.type.code !== "API_ERROR_BAD_REQUEST") throw err;
      errors.push({ line: i + 1, field: err.type.field, message: err.message });
    }
  });
  if (errors.length > 0) {
    throw new ApiError(
      { code: "API_ERROR_BAD_BATCH", status: 400, errors },
      `${errors.length} of ${jobs.length} lines are not valid job requests; nothing was submitted`,
    );
  }
  return specs;
}

/** One result row of a batch's job. */
export function resultRow(line: number, job: JobRecord): Record<string, unknown> {
  return {
    line,
    job: job.id,
    sequence: job.sequence,
    status: job.status,
    bestEnergy: job.bestEnergy,
    fold: job.bestFold,
    eStar: job.targetEnergy,
    steps: job.stepsDone,
    timeMs: job.finishedAt === null ? null : job.finishedAt - job.createdAt,
  };
}

const csv = (rows: readonly Record<string, unknown>[]) =>
  [RESULT_COLUMNS.join(","), ...rows.map((r) => RESULT_COLUMNS.map((c) => r[c] ?? "").join(","))]
    .map((line) => `${line}\n`)
    .join("");

/** Handles `/api/batches…`; `parts` are the path's words after `api`. */
export async function handleBatch(
  deps: SubmitDeps & { readonly onJobsChanged?: () => void },
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  parts: readonly string[],
): Promise<void> {
  const { store } = deps;
  const method = req.method ?? "GET";
  const [, id, action] = parts;
  if (id === undefined && method === "POST") {
    const owner = (await caller(req, store.access)).account;
    const specs = parseBatch(await readJson(req, MAX_BATCH_BYTES));
    const { batchId, jobs } = await submitJobs(deps, owner, specs, true, Date.now());
    deps.onJobsChanged?.();
    return send(res, 201, { id: batchId, size: jobs.length, jobs: jobs.map((j) => j.id) });
  }
  const batch = id === undefined ? undefined : await store.batches.batch(id);
  if (batch === undefined || method !== "GET") throw notFound(`${method} /api/${parts.join("/")}`);
  const who = await optionalCaller(req, store.access);
  const jobs = await Promise.all(
    (await store.batches.jobIds(batch.id)).map(async (jobId) => (await store.getJob(jobId))!),
  );
  const readable = await Promise.all(jobs.map((job) => mayRead(store.access, job.id, who)));
  const lines = jobs.map((job, i) => ({ line: i + 1, job })).filter((_, i) => readable[i]);
  if (action === undefined) {
    const running = lines.filter(({ job }) => job.status === "running").length;
    return send(res, 200, { ...batch, running, jobs: lines.map(({ job }) => jobView(job)) });
  }
  if (action !== "results") throw notFound(`/api/batches/${batch.id}/${action}`);
  const rows = lines.map(({ line, job }) => resultRow(line, job));
  const format = url.searchParams.get("format") ?? "jsonl";
  if (format === "csv") return send(res, 200, csv(rows), "text/csv");
  if (format === "jsonl")
    return send(
      res,
      200,
      rows.map((r) => `${JSON.stringify(r)}\n`).join(""),
      "application/x-ndjson",
    );
  throw new ApiError(
    { code: "API_ERROR_BAD_REQUEST", status: 400, field: "format" },
    "format must be csv or jsonl",
  );
}
