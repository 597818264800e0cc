/**
 * The OpenAPI 3.1 description of the coordinator's HTTP API, served at `/api/openapi.json`.
 * Written by hand next to the routes; test/unit/coordinator/openapi.test.ts sends every
 * route real requests and checks the requests and answers against it.
 * @module
 */

type Schema = Record<string, unknown>;

const str: Schema = { type: "string" };
const int: Schema = { type: "integer" };
const num: Schema = { type: "number" };
const bool: Schema = { type: "boolean" };
const nullable = (s: Schema): Schema => ({ ...s, type: [s.type as string, "null"] });
const obj = (required: readonly string[], properties: Record<string, Schema> = {}): Schema => ({
  type: "object",
  required,
  properties,
});
const arr = (items: Schema): Schema => ({ type: "array", items });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

const job = obj(
  ["id", "name", "sequence", "lattice", "status", "steps", "stepsDone", "progress", "bestEnergy"],
  {
    id: str,
    name: str,
    sequence: str,
    lattice: str,
    model: { type: "string", enum: ["hp", "mj"] },
    cooperate: bool,
    status: { type: "string", enum: ["running", "done", "cancelled"] },
    steps: int,
    stepsPlanned: int,
    stepsDone: int,
    progress: num,
    trajectories: int,
    unitSteps: int,
    bestEnergy: nullable(int),
    bestFold: nullable(str),
    unitsVerified: int,
  },
);
const jobDetail: Schema = {
  allOf: [
    ref("Job"),
    obj(["owner", "private", "input", "eta", "bounty"], {
      owner: nullable(str),
      private: bool,
      input: { type: ["object", "null"] },
      eta: { type: ["object", "null"] },
      bounty: { type: ["object", "null"] },
    }),
  ],
};
const jobRequest = obj(["steps"], {
  sequence: str,
  aminoAcids: str,
  lattice: str,
  model: { type: "string", enum: ["hp", "mj"] },
  cooperate: bool,
  steps: int,
  trajectories: int,
  unitSteps: int,
  targetEnergy: int,
  replicas: int,
  name: str,
  private: bool,
  priority: int,
  notify: str,
});
const key = obj(["id", "account", "role", "createdAt", "revokedAt"], {
  id: str,
  account: str,
  role: { type: "string", enum: ["researcher", "admin"] },
  createdAt: int,
  revokedAt: nullable(int),
});
const error = obj(["error"], { error: obj(["code", "message"], { code: str, message: str }) });

/** One operation: its summary, request body schema (if any) and answers by status. */
const op = (
  summary: string,
  responses: Record<string, Schema | string>,
  body?: Schema,
): Record<string, unknown> => ({
  summary,
  ...(body === undefined
    ? {}
    : { requestBody: { required: true, content: { "application/json": { schema: body } } } }),
  responses: Object.fromEntries(
    Object.entries(responses).map(([status, s]) => [
      status,
      {
        description: status,
        content:
          typeof s === "string" ? { [s]: { schema: str } } : { "application/json": { schema: s } },
      },
    ]),
  ),
});

const E = { default: ref("Error") };
/** A worker key as `/api/workers` lists it. */
const worker = obj(
  ["key", "keyId", "name", "connected", "accepted", "rejected", "strikes", "banned"],
  {
    key: str,
    keyId: str,
    /** `foldnet worker --name`, sanitised (no control or format characters, ≤ 64 bytes). */
    name: { type: "string", maxLength: 64 },
    connected: bool,
    firstSeen: int,
    lastSeen: int,
    accepted: int,
    /** Results refused as lies (stale results are not counted). */
    rejected: int,
    strikes: int,
    banned: bool,
    stepsVerified: int,
  },
);
const page = (name: string, items: Schema) => obj([name], { [name]: arr(items) });

/** The document. */
export const OPENAPI = {
  openapi: "3.1.0",
  info: { title: "foldnet coordinator API", version: "1" },
  components: {
    securitySchemes: { apiKey: { type: "http", scheme: "bearer" } },
    schemas: {
      Job: job,
      JobDetail: jobDetail,
      JobRequest: jobRequest,
      Key: key,
      Worker: worker,
      Error: error,
    },
  },
  paths: {
    "/healthz": { get: op("alive: the process serves", { 200: obj(["status"]) }) },
    "/readyz": {
      get: op("ready: the database answers", {
        200: obj(["status"], { status: { type: "string", enum: ["ready"] } }),
        503: obj(["status", "reason"], {
          status: { type: "string", enum: ["unready"] },
          reason: str,
        }),
      }),
    },
    "/api/status": {
      get: op("coordinator status and counts", { 200: obj(["jobs", "units"]), ...E }),
    },
    "/api/workers": {
      get: op("known workers", { 200: page("workers", ref("Worker")) }),
    },
    "/api/jobs": {
      get: op("the newest jobs", { 200: page("jobs", ref("Job")), ...E }),
      post: op("submit a job", { 201: ref("JobDetail"), ...E }, ref("JobRequest")),
    },
    "/api/jobs/{id}": { get: op("a job", { 200: ref("JobDetail"), ...E }) },
    "/api/jobs/{id}/cancel": { post: op("cancel a job", { 200: ref("JobDetail"), ...E }) },
    "/api/jobs/{id}/units": {
      get: op("a page of a job's units", {
        200: obj(["units", "offset", "next"], {
          units: arr(obj(["id", "status", "source", "result"], { source: nullable(str) })),
          offset: int,
          next: nullable(int),
        }),
        ...E,
      }),
    },
    "/api/jobs/{id}/folds": {
      get: op("a job's best distinct folds", {
        200: obj(["job", "folds"], {
          job: str,
          folds: arr(obj(["fold", "energy", "foundAt", "units"])),
        }),
        ...E,
      }),
    },
    "/api/jobs/{id}/result": { get: op("a job with done", { 200: obj(["id", "done"]), ...E }) },
    "/api/jobs/{id}/result.svg": { get: op("its best fold", { 200: "image/svg+xml", ...E }) },
    "/api/jobs/{id}/result.pdb": { get: op("its best fold", { 200: "chemical/x-pdb", ...E }) },
    "/api/batches": {
      post: op(
        "submit up to 10,000 jobs",
        { 201: obj(["id", "size", "jobs"], { id: str, size: int, jobs: arr(str) }), ...E },
        obj(["jobs"], { jobs: arr(ref("JobRequest")) }),
      ),
    },
    "/api/batches/{id}": {
      get: op("a batch", {
        200: obj(["id", "owner", "size", "running", "jobs"], { jobs: arr(ref("Job")) }),
        ...E,
      }),
    },
    "/api/batches/{id}/results": {
      get: op("a batch's results", { 200: "text/csv", ...E }),
    },
    "/api/admin/keys": {
      get: op("API keys", { 200: page("keys", ref("Key")), ...E }),
      post: op(
        "add a key",
        { 201: { allOf: [ref("Key"), obj(["key"], { key: str })] }, ...E },
        obj(["name"], { name: str, role: str }),
      ),
    },
    "/api/admin/keys/{id}/revoke": { post: op("revoke a key", { 200: ref("Key"), ...E }) },
    "/api/admin/accounts": {
      get: op("fair-share weights", { 200: page("weights", obj(["account", "weight"])), ...E }),
    },
    "/api/admin/accounts/{name}/weight": {
      post: op(
        "set a weight",
        { 200: obj(["account", "weight"]), ...E },
        obj(["weight"], { weight: num }),
      ),
    },
    "/api/admin/workers/{key}/ban": {
      post: op("ban a worker key", { 200: obj(["worker"]), ...E }),
    },
    "/api/admin/workers/{key}/unban": { post: op("let it back", { 200: obj(["worker"]), ...E }) },
    "/api/audit": {
      get: op("the audit log", {
        200: obj(["entries", "offset", "next"], {
          entries: arr(obj(["seq", "at", "actor", "action", "target"])),
        }),
        ...E,
      }),
    },
    "/api/openapi.json": { get: op("this document", { 200: obj(["openapi", "paths"]) }) },
    "/api/stats": { get: op("standings", { 200: obj(["keys", "teams"]), ...E }) },
    "/api/stats/keys.csv": { get: op("key standings", { 200: "text/csv" }) },
    "/api/stats/teams.csv": { get: op("team standings", { 200: "text/csv" }) },
    "/api/ledger/export": { get: op("the sealed chain", { 200: "application/octet-stream" }) },
    "/api/ledger/blocks": { get: op("newest blocks", { 200: obj(["blocks", "pending"]), ...E }) },
    "/api/ledger/blocks/{ref}": {
      get: op("a block", { 200: obj(["height", "hash", "entries"]), ...E }),
    },
    "/api/ledger/balances": {
      get: op("accounts", { 200: page("balances", obj(["key", "balance", "nonce"])), ...E }),
    },
    "/api/ledger/balances/{key}": {
      get: op("an account", { 200: obj(["key", "balance", "nonce"]), ...E }),
    },
    "/api/ledger/history/{key}": {
      get: op("a key's history", { 200: obj(["key", "balance", "nonce", "history"]), ...E }),
    },
    "/api/ledger/search": { get: op("what a term names", { 200: obj(["kind"]), ...E }) },
    "/api/ledger/transfers": {
      post: op("a signed transfer", { 201: { type: "object" }, ...E }, { type: "object" }),
    },
    "/api/ledger/escrows": {
      post: op("a signed escrow", { 201: obj(["escrow"]), ...E }, { type: "object" }),
    },
  },
};
