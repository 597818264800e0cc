import { bytesToHex } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { OPENAPI } from "../../../coordinator/openapi.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { validate } from "../../helpers/json-schema.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const ADMIN = "fn_openapi";
let coordinator: Coordinator;
let address: CoordinatorAddress;
const root = OPENAPI as unknown as Record<string, unknown>;
const paths = OPENAPI.paths as Record<string, Record<string, Record<string, unknown>>>;
/** The operations the test sent: "METHOD template". */
const exercised = new Set<string>();

beforeAll(async () => {
  coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: [ADMIN], verifyThreads: 0 },
    { log: silentLogger },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

/** The template of a concrete path (`/api/jobs/j1/units` → `/api/jobs/{id}/units`). */
function template(path: string): string {
  const parts = path.split("/");
  const found = Object.keys(paths).find((t) => {
    const tp = t.split("/");
    return tp.length === parts.length && tp.every((p, i) => p.startsWith("{") || p === parts[i]);
  });
  if (found === undefined) throw new Error(`no path of the document matches ${path}`);
  return found;
}

/** Sends a request, checks it and its answer against the document, returns the answer. */
async function call(method: string, target: string, body?: unknown, key: string | null = ADMIN) {
  const path = target.split("?")[0]!;
  const t = template(path);
  const operation = paths[t]?.[method.toLowerCase()] as
    | {
        requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
        responses: Record<string, { content: Record<string, { schema: Record<string, unknown> }> }>;
      }
    | undefined;
  expect(operation, `${method} ${t}`).toBeDefined();
  exercised.add(`${method} ${t}`);
  if (body !== undefined && operation!.requestBody !== undefined)
    expect(
      validate(operation!.requestBody.content["application/json"]!.schema, body, root),
    ).toEqual([]);
  const res = await fetch(`${address.url}${target}`, {
    method,
    headers: {
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = operation!.responses[String(res.status)] ?? operation!.responses.default;
  expect(answer, `${method} ${t} answered ${res.status}`).toBeDefined();
  const type = (res.headers.get("content-type") ?? "").split(";")[0]!;
  const content = answer!.content[type];
  expect(content, `${method} ${t} ${res.status} as ${type}`).toBeDefined();
  if (type !== "application/json") {
    await res.arrayBuffer();
    return { status: res.status, data: {} as Record<string, unknown> };
  }
  const data = (await res.json()) as Record<string, unknown>;
  expect(validate(content!.schema, data, root), `${method} ${t} ${res.status}`).toEqual([]);
  return { status: res.status, data };
}

describe("the OpenAPI document", () => {
  it("describes every route's real requests and answers", async () => {
    expect((await call("GET", "/api/openapi.json")).data.openapi).toBe("3.1.0");
    await call("GET", "/api/status");
    await call("GET", "/healthz");
    await call("GET", "/readyz");
    await call("GET", "/api/workers");
    const { data: job } = await call("POST", "/api/jobs", {
      sequence: "HPPHHP",
      steps: 2048,
      trajectories: 1,
    });
    const id = job.id as string;
    await call("POST", "/api/jobs", { sequence: "HPXH", steps: 2048 }); // a 400
    await call("GET", "/api/jobs");
    await call("GET", `/api/jobs/${id}`);
    await call("GET", `/api/jobs/${id}/units`);
    await call("GET", `/api/jobs/${id}/folds?top=3`);
    await call("GET", `/api/jobs/${id}/result`);
    await call("GET", `/api/jobs/${id}/result.svg`); // 404: no fold yet
    await call("GET", `/api/jobs/${id}/result.pdb`);
    const { data: batch } = await call("POST", "/api/batches", {
      jobs: [{ sequence: "HPPH", steps: 1024 }],
    });
    await call("POST", "/api/batches", { jobs: [{ sequence: "HPPH", steps: -1 }] }); // a 400
    await call("GET", `/api/batches/${batch.id}`);
    await call("GET", `/api/batches/${batch.id}/results?format=csv`);
    await call("POST", `/api/jobs/${id}/cancel`);
    const { data: added } = await call("POST", "/api/admin/keys", {
      name: "eve",
      role: "researcher",
    });
    await call("GET", "/api/admin/keys");
    await call("GET", "/api/admin/keys", undefined, added.key as string); // a 403
    await call("POST", `/api/admin/keys/${added.id}/revoke`);
    await call("POST", "/api/admin/accounts/eve/weight", { weight: 2 });
    await call("GET", "/api/admin/accounts");
    const worker = bytesToHex(generateIdentity().publicKey);
    await coordinator.store.touchWorker(worker, worker.slice(0, 16), Date.now());
    await call("POST", `/api/admin/workers/${worker}/ban`);
    await call("POST", `/api/admin/workers/${worker}/unban`);
    await call("GET", "/api/audit");
    await call("GET", "/api/stats");
    await call("GET", "/api/stats/keys.csv");
    await call("GET", "/api/stats/teams.csv");
    await call("GET", "/api/ledger/export");
    await call("GET", "/api/ledger/blocks");
    await call("GET", "/api/ledger/blocks/0"); // 404: nothing sealed
    await call("GET", "/api/ledger/balances");
    await call("GET", `/api/ledger/balances/${worker}`);
    await call("GET", `/api/ledger/history/${worker}`);
    await call("GET", `/api/ledger/search?q=${worker}`);
    await call("POST", "/api/ledger/transfers", { from: "x" }); // a 400
    await call("POST", "/api/ledger/escrows", { funder: "x" }); // a 400
    const documented = Object.entries(paths).flatMap(([t, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${t}`),
    );
    expect([...exercised].sort()).toEqual(documented.sort());
  });
});
