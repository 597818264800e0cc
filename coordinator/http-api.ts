/**
 * The HTTP job API under `/api` (JSON): researchers submit, follow, fetch and cancel jobs
 * with an API key (`Authorization: Bearer KEY`) that belongs to an account; a job is
 * cancelled by its owner or an admin. Reads are public, like a volunteer project's statistics
 * pages, except a private job, which only its owner and admins see; admin routes are in
 * admin-api.ts. Bodies are bounded; every error is a JSON object with a code
 * (and the field at fault for a 400). See docs/api.md.
 * @module
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { renderPdb } from "../sim/render-pdb.js";
import { renderSvg } from "../sim/render-svg.js";
import { caller, forbidden, mayManage, mayRead, optionalCaller } from "./access.js";
import { handleAdmin } from "./admin-api.js";
import { handleBatch } from "./batch-api.js";
import { ApiError } from "./errors.js";
import { escrowView } from "./escrow-api.js";
import { answerError, notFound, readJson, send } from "./http-util.js";
import { parseJobSpec } from "./job-spec.js";
import { type SubmitDeps, submitJobs } from "./job-submit.js";
import { OPENAPI } from "./openapi.js";
import type { ApiKeyRecord, JobRecord, Page } from "./store/store.js";

/** Most folds `/api/jobs/:id/folds?top=` returns. */
const MAX_TOP_FOLDS = 100;

/** Most jobs or workers one list returns. */
const LIST_LIMIT = 500;

/** The page a list request asks for: `?offset=` (default 0) and `?limit=` (default and most LIST_LIMIT). */
export function pageOf(url: URL): Page {
  const int = (name: string, fallback: number, max: number) => {
    const raw = url.searchParams.get(name);
    const value = raw === null ? fallback : Number(raw);
    if (!Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new ApiError(
        { code: "API_ERROR_BAD_REQUEST", status: 400, field: name },
        `${name} must be an integer in [0, ${max}]`,
      );
    }
    return value;
  };
  return {
    offset: int("offset", 0, Number.MAX_SAFE_INTEGER),
    limit: int("limit", LIST_LIMIT, LIST_LIMIT),
  };
}

/** What the API serves from. */
export interface ApiDeps extends SubmitDeps {
  /** Live figures for /api/status (connected workers, coordinator key). */
  readonly status: () => Record<string, unknown>;
  /** Called after a job was submitted or cancelled. */
  readonly onJobsChanged?: () => void;
  /** Called after an admin banned a worker key (hex): its connections end. */
  readonly onWorkerBanned?: (workerKey: string) => void;
}

/** The public JSON view of a job. */
export function jobView(job: JobRecord): Record<string, unknown> {
  const planned = job.trajectories * job.generations * job.unitSteps;
  return {
    id: job.id,
    name: job.name,
    sequence: job.sequence,
    lattice: job.lattice,
    model: job.model,
    cooperate: job.cooperate,
    status: job.status,
    steps: job.steps,
    stepsPlanned: planned,
    stepsDone: job.stepsDone,
    progress: job.status === "done" ? 1 : Math.min(1, job.stepsDone / planned),
    trajectories: job.trajectories,
    generations: job.generations,
    unitSteps: job.unitSteps,
    checkpointInterval: job.checkpointInterval,
    replicas: job.replicas,
    targetEnergy: job.targetEnergy,
    bestEnergy: job.bestEnergy,
    bestFold: job.bestFold,
    bestUnit: job.bestUnit,
    unitsVerified: job.unitsDone,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}

/**
 * When a running job should end at the rate its steps were verified so far (steps/s since
 * it was submitted); null before its first verified unit or once it ended.
 */
export function etaOf(
  job: JobRecord,
  now: number,
): { stepsPerSecond: number; seconds: number } | null {
  const elapsed = (now - job.createdAt) / 1000;
  if (job.status !== "running" || job.stepsDone === 0 || elapsed <= 0) return null;
  const stepsPerSecond = job.stepsDone / elapsed;
  const left = Math.max(0, job.trajectories * job.generations * job.unitSteps - job.stepsDone);
  return { stepsPerSecond: Math.round(stepsPerSecond), seconds: Math.ceil(left / stepsPerSecond) };
}

/** The `/api` request handler. */
export class JobApi {
  constructor(private readonly deps: ApiDeps) {}

  /** Handles a request under /api; resolves when the response is sent. */
  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    try {
      await this.route(req, res, url);
    } catch (err) {
      answerError(res, err);
    }
  }

  /** A job `who` may read (404 when there is none, 403 when it is another's private job). */
  private async job(id: string, who: ApiKeyRecord | undefined): Promise<JobRecord> {
    const job = await this.deps.store.getJob(id);
    if (job === undefined) throw notFound(`job ${id}`);
    if (!(await mayRead(this.deps.store.access, job.id, who)))
      throw forbidden(`job ${id} is private to its owner`);
    return job;
  }

  /** A job's view with its owner, privacy and bounty escrow (null when none). */
  private async detail(job: JobRecord): Promise<Record<string, unknown>> {
    const { access, escrows, inputs } = this.deps.store;
    const [escrow, owner, isPrivate, input] = await Promise.all([
      escrows.escrow(job.id),
      access.jobOwner(job.id),
      access.isPrivate(job.id),
      inputs.input(job.id),
    ]);
    return {
      ...jobView(job),
      owner: owner ?? null,
      private: isPrivate,
      input: input ?? null,
      eta: etaOf(job, Date.now()),
      bounty: escrow === undefined ? null : escrowView(job.id, escrow),
    };
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? "GET";
    const parts = url.pathname
      .split("/")
      .filter((p) => p !== "")
      .slice(1); // drop "api"
    const [resource, id, action] = parts;
    const { access } = this.deps.store;
    if (resource === "admin" || resource === "audit")
      return handleAdmin(
        {
          store: this.deps.store,
          now: Date.now(),
          page: () => pageOf(url),
          banned: this.deps.onWorkerBanned,
        },
        req,
        res,
        parts,
      );
    if (method === "GET" && resource === "openapi.json" && id === undefined)
      return send(res, 200, OPENAPI);
    if (method === "GET" && resource === "status" && id === undefined) {
      return send(res, 200, { ...this.deps.status(), ...(await this.deps.store.counts()) });
    }
    if (method === "GET" && resource === "workers" && id === undefined) {
      const connected = new Set(
        (this.deps.status().connectedWorkers as string[] | undefined) ?? [],
      );
      const workers = (await this.deps.store.listWorkers(LIST_LIMIT)).map((w) => ({
        ...w,
        connected: connected.has(w.key),
      }));
      return send(res, 200, { workers });
    }
    if (resource === "batches") return handleBatch(this.deps, req, res, url, parts);
    if (resource !== "jobs") throw notFound(`/api/${parts.join("/")}`);
    if (id === undefined) {
      if (method === "POST") {
        const owner = (await caller(req, access)).account;
        const spec = parseJobSpec(await readJson(req));
        const submitted = await submitJobs(this.deps, owner, [spec], false, Date.now());
        this.deps.onJobsChanged?.();
        return send(res, 201, await this.detail(submitted.jobs[0] as JobRecord));
      }
      if (method === "GET") {
        const who = await optionalCaller(req, access);
        const jobs = await this.deps.store.listJobs(LIST_LIMIT);
        const readable = await Promise.all(jobs.map((j) => mayRead(access, j.id, who)));
        return send(res, 200, { jobs: jobs.filter((_, i) => readable[i]).map(jobView) });
      }
    } else if (action === undefined && method === "GET") {
      return send(
        res,
        200,
        await this.detail(await this.job(id, await optionalCaller(req, access))),
      );
    } else if (action === "cancel" && method === "POST") {
      const who = await caller(req, access);
      const job = await this.job(id, who);
      if (!(await mayManage(access, job.id, who)))
        throw forbidden(`only the owner of job ${id} or an admin may cancel it`);
      if (who.role === "admin") await access.audit(Date.now(), who.account, "jobs.cancel", job.id);
      if (!(await this.deps.scheduler.cancelJob(job.id))) {
        throw new ApiError(
          { code: "API_ERROR_CONFLICT", status: 409 },
          `job ${id} is ${job.status}, not running`,
        );
      }
      this.deps.onJobsChanged?.();
      return send(res, 200, await this.detail(await this.job(id, who)));
    } else if (action === "units" && method === "GET") {
      const page = pageOf(url);
      const job = await this.job(id, await optionalCaller(req, access));
      const units = (await this.deps.store.listUnits(job.id, page)).map(
        ({ startState: _s, result, ...u }) => ({
          ...u,
          result: result === null ? null : { ...result, reward: result.reward.toString() },
        }),
      );
      const next = units.length === page.limit ? page.offset + page.limit : null;
      return send(res, 200, { units, offset: page.offset, next });
    } else if (action === "folds" && method === "GET") {
      const job = await this.job(id, await optionalCaller(req, access));
      const top = url.searchParams.get("top") ?? "5";
      if (!/^\d{1,3}$/.test(top) || Number(top) < 1 || Number(top) > MAX_TOP_FOLDS) {
        throw new ApiError(
          { code: "API_ERROR_BAD_REQUEST", status: 400, field: "top" },
          `top must be an integer in [1, ${MAX_TOP_FOLDS}]`,
        );
      }
      return send(res, 200, {
        job: job.id,
        folds: await this.deps.store.folds.topFolds(job.id, Number(top)),
      });
    } else if (action?.startsWith("result") === true && method === "GET") {
      return this.result(res, await this.job(id, await optionalCaller(req, access)), action);
    }
    throw notFound(`${method} /api/${parts.join("/")}`);
  }

  private result(res: ServerResponse, job: JobRecord, action: string): void {
    if (action === "result") {
      send(res, 200, { ...jobView(job), done: job.status !== "running" });
      return;
    }
    if (job.bestFold === null) throw notFound(`a fold of job ${job.id} (no unit verified yet)`);
    const title = `${job.name || job.id} — E = ${job.bestEnergy}`;
    const { sequence, bestFold, lattice, model } = job;
    if (action === "result.svg") {
      send(res, 200, renderSvg(sequence, bestFold, lattice, { title, model }), "image/svg+xml");
    } else if (action === "result.pdb") {
      send(res, 200, renderPdb(sequence, bestFold, lattice, { title, model }), "chemical/x-pdb");
    } else {
      throw notFound(`/api/jobs/${job.id}/${action}`);
    }
  }
}
