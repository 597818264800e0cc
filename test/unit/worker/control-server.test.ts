import { mkdtempSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { WorkerControl } from "../../../worker/control.js";
import { callControl, controlTokenFile, loadControlToken } from "../../../worker/control-client.js";
import {
  type ControlServer,
  type ControlStatus,
  serveControl,
} from "../../../worker/control-server.js";
import { DEFAULT_RULES } from "../../../worker/rules.js";
import type { WorkerStatus } from "../../../worker/status.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { ManualClock } from "./fixtures/manual-clock.js";

const STATUS: WorkerStatus = {
  connection: "connected",
  coordinator: "ws://127.0.0.1:1/ws",
  keyId: "00112233aabbccdd",
  workerId: "w",
  threads: 2,
  units: [],
  stepsPerSecond: 0,
  bestEnergy: undefined,
  resultsSubmitted: 3,
  resultsAccepted: 2,
  resultsRejected: 1,
  tokensEarned: 12_345_678_901_234_567n,
  spooled: 0,
  reconnects: 0,
};

let dir: string;
let token: string;
let control: WorkerControl;
let server: ControlServer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "foldnet-control-server-"));
  token = loadControlToken(controlTokenFile(join(dir, "identity.json")), true) as string;
  control = new WorkerControl({
    rules: { ...DEFAULT_RULES, threads: 1 },
    maxThreads: 2,
    dataDir: dir,
    clock: new ManualClock(),
    log: silentLogger,
    proc: { procStat: () => "", selfStat: () => "" },
    powerSupplyDir: join(dir, "none"),
  });
  server = await serveControl({
    port: 0,
    token,
    control,
    status: () => STATUS,
    balance: async () => "5000000",
    log: silentLogger,
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request, to set any Host and Authorization. */
function raw(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path, headers }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("the control token", () => {
  it("is 32 random bytes in a 0600 file, created once", () => {
    const file = controlTokenFile(join(dir, "identity.json"));
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadControlToken(file, true)).toBe(token);
    expect(loadControlToken(join(dir, "absent"), false)).toBeUndefined();
  });
});

describe("the control API", () => {
  it("serves the page without a token, with a strict CSP", async () => {
    const page = await raw("/", { host: `127.0.0.1:${server.port}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<script type="module" src="/worker.js">');
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect((await raw("/worker.js", { host: `localhost:${server.port}` })).status).toBe(200);
    expect((await raw("/../package.json", { host: `127.0.0.1:${server.port}` })).status).toBe(404);
  });

  it("refuses the API without the token, and any request for another host name", async () => {
    expect((await raw("/api/status", { host: `127.0.0.1:${server.port}` })).status).toBe(401);
    const rebound = await raw("/api/status", {
      host: `evil.example:${server.port}`,
      authorization: `Bearer ${token}`,
    });
    expect(rebound.status).toBe(403);
    await expectFoldnetError(
      callControl(server.port, token.replace(/.$/, "x"), "GET", "/api/status"),
      {
        code: "WORKER_ERROR_CONTROL",
        status: 401,
      },
    );
  });

  it("answers the status with bigints as strings, and drives the controls", async () => {
    const s = await callControl<ControlStatus>(server.port, token, "GET", "/api/status");
    expect(s.worker.tokensEarned).toBe("12345678901234567");
    expect(s.balance).toBe("5000000");
    expect(s.control).toMatchObject({ paused: false, holding: [], maxThreads: 2 });
    const paused = await callControl<ControlStatus>(server.port, token, "POST", "/api/pause");
    expect(paused.control.holding).toEqual(["paused"]);
    const resumed = await callControl<ControlStatus>(server.port, token, "POST", "/api/resume");
    expect(resumed.control.paused).toBe(false);
    const ruled = await callControl<ControlStatus>(server.port, token, "PUT", "/api/rules", {
      maxCpu: 40,
      threads: 2,
    });
    expect(ruled.control.rules).toMatchObject({ maxCpu: 40, threads: 2 });
    await expectFoldnetError(
      callControl(server.port, token, "PUT", "/api/rules", { schedule: "Mon 9-5" }),
      { code: "WORKER_ERROR_CONTROL", status: 400 },
    );
    expect(control.snapshot().rules.schedule).toBeUndefined();
    await expectFoldnetError(callControl(server.port, token, "POST", "/api/reboot"), {
      code: "WORKER_ERROR_CONTROL",
      status: 404,
    });
  });

  it("reports an unreachable worker as WORKER_ERROR_CONTROL", async () => {
    await expectFoldnetError(callControl(1, token, "GET", "/api/status"), {
      code: "WORKER_ERROR_CONTROL",
      port: 1,
    });
  });
});
