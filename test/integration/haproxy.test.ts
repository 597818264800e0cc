/**
 * A real HAProxy (Debian's `haproxy`, installed by npm test) runs ops/haproxy/foldnet.cfg — the
 * shipped file, with a free loopback port and two coordinator processes as its servers — and
 * shows: the API answers through it from both coordinators (nothing sticky), /readyz is its
 * health check, a worker connected through it gets work, and when the coordinator the worker
 * is on is killed, new requests and the worker's reconnection go to the other. The
 * coordinators trust HAProxy's X-Forwarded-For (`--trusted-proxy 127.0.0.1`). The two
 * coordinators have a database each here (SQLite), so each gets a job of its own.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import { runFoldnet } from "../helpers/cli.js";
import {
  type CoordinatorProc,
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const HAPROXY = "/usr/sbin/haproxy";
const CONFIG = fileURLToPath(new URL("../../ops/haproxy/foldnet.cfg", import.meta.url));
const KEY = "fn_haproxy_test";
const SEQ = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";

const running: Proc[] = [];
const balancers: ChildProcess[] = [];
afterAll(async () => {
  for (const b of balancers) b.kill("SIGKILL");
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

/**
 * The shipped configuration with the test's port and servers (and, when not root, without the
 * switch to the haproxy user, which only root may make).
 */
function testConfig(port: number, servers: readonly CoordinatorProc[]): string {
  const shipped = readFileSync(CONFIG, "utf8");
  const asRoot = process.getuid?.() === 0;
  const lines = shipped.split("\n").filter((l) => asRoot || !/^\s+(user|group) /.test(l));
  const firstServer = lines.findIndex((l) => /^\s+server /.test(l));
  expect(firstServer).toBeGreaterThan(0);
  const own = servers.map((c, i) => `    server c${i + 1} ${new URL(c.url).host}`);
  const config = lines
    .flatMap((l, i) => (!/^\s+server /.test(l) ? [l] : i === firstServer ? own : []))
    .join("\n");
  expect(config).toMatch(/^\s+bind 0\.0\.0\.0:7700$/m);
  return config.replace(/^(\s+bind )0\.0\.0\.0:7700$/m, `$1127.0.0.1:${port}`);
}

interface Status {
  coordinatorKey: string;
  connectedWorkers: string[];
}
const status = (url: string) => new ApiClient(url).call<Status>("GET", "/api/status");

describe("HAProxy in front of several coordinators (ops/haproxy/foldnet.cfg)", () => {
  it("accepts the shipped configuration", () => {
    const check = spawnSync(HAPROXY, ["-c", "-f", CONFIG], { encoding: "utf8" });
    expect(check.status, check.stderr + check.stdout).toBe(0);
  });

  it("trusts only an IP address as a proxy", async () => {
    const run = await runFoldnet(["coordinator", "--trusted-proxy", "balancer.internal"]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("--trusted-proxy must be an IP address");
  });

  it("serves the API and a worker through it, and routes around a killed coordinator", async () => {
    const net = await balancedNetwork();
    const { front, first, other, worker } = net;
    expect((await fetch(`${front}/readyz`)).status).toBe(200);

    // kill the coordinator the worker is on
    const logBefore = worker.log().length;
    await first.proc.kill("SIGKILL");
    // new requests go to the other at once: a refused connection is sent on (redispatch)
    for (let i = 0; i < 10; i++) expect((await status(front)).coordinatorKey).toBe(other.key);
    // the worker's reconnection lands on the other, which gives it work
    await net.movedTo(other, logBefore);
    // and the health check on /readyz takes the dead one out
    await net.markedDown(first);
    expect((await fetch(`${front}/readyz`)).status).toBe(200);
  });

  it("takes out a coordinator that stops answering /readyz and cuts its workers' tunnels", async () => {
    const net = await balancedNetwork();
    const { first, other, worker } = net;
    const logBefore = worker.log().length;
    const started = Date.now();
    first.proc.child.kill("SIGSTOP"); // hung: connections are accepted, nothing answers
    try {
      await net.markedDown(first);
      // the tunnel is cut by the balancer (on-marked-down shutdown-sessions), long before the
      // worker's own 30 s heartbeat timeout would notice the silence
      await net.movedTo(other, logBefore);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      first.proc.child.kill("SIGCONT");
    }
  });
});

/**
 * Two coordinator processes (a job each) behind HAProxy on a free port, the API answering
 * from both through it, and a worker connected through it that got work from one (`first`).
 */
async function balancedNetwork() {
  const dir = tempDir("haproxy");
  const coordinators = await Promise.all(
    ["c1", "c2"].map(async (name) => {
      const c = await startCoordinator(join(dir, `${name}.db`), 0, KEY, [
        "--trusted-proxy",
        "127.0.0.1",
      ]);
      running.push(c);
      const job = await new ApiClient(c.url, KEY).submit({
        sequence: SEQ,
        steps: 64 * 1_048_576,
        trajectories: 4,
        unitSteps: 1_048_576,
      });
      return { proc: c, name, job: job.id, key: (await status(c.url)).coordinatorKey };
    }),
  );
  type Member = (typeof coordinators)[number];
  const port = await freePort();
  const configFile = join(dir, "haproxy.cfg");
  writeFileSync(
    configFile,
    testConfig(
      port,
      coordinators.map((c) => c.proc),
    ),
  );
  const haproxy = spawn(HAPROXY, ["-db", "-f", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  balancers.push(haproxy);
  let log = "";
  for (const stream of [haproxy.stdout, haproxy.stderr])
    stream.on("data", (d: Buffer) => {
      log += d.toString();
    });
  const exited = new Promise<never>((_, reject) =>
    haproxy.once("exit", (code) => reject(new Error(`haproxy exited (${code}):\n${log}`))),
  );
  exited.catch(() => {});
  const front = `http://127.0.0.1:${port}`;

  // the API answers through it, from both coordinators (no stickiness)
  const seen = new Set<string>();
  await Promise.race([
    exited,
    waitFor(
      "both coordinators to answer through haproxy",
      async () => {
        seen.add((await status(front)).coordinatorKey);
        return seen.size === 2 ? true : undefined;
      },
      15_000,
      20,
    ),
  ]);

  // a worker connected through it gets work
  const worker = startWorker(`ws://127.0.0.1:${port}`, join(dir, "w"));
  running.push(worker);
  const first = await waitFor(
    "the worker to connect through haproxy",
    async () => {
      for (const c of coordinators)
        if ((await status(c.proc.url)).connectedWorkers.length === 1) return c;
      return undefined;
    },
    20_000,
  );
  await waitFor(
    "a unit of that coordinator's job",
    async () => (worker.log().includes(`"jobId":"${first.job}"`) ? true : undefined),
    20_000,
  );
  return {
    front,
    first,
    other: coordinators.find((c) => c !== first)!,
    worker,
    /** Waits for the worker on `c` (through haproxy) with a unit of its job logged after `from`. */
    async movedTo(c: Member, from: number) {
      await waitFor(
        `the worker to reconnect through haproxy to ${c.name}`,
        async () => ((await status(c.proc.url)).connectedWorkers.length === 1 ? true : undefined),
        20_000,
      );
      await waitFor(
        `a unit of ${c.name}'s job`,
        async () => (worker.log().slice(from).includes(`"jobId":"${c.job}"`) ? true : undefined),
        20_000,
      );
    },
    /** Waits for haproxy's health check to take `c` out. */
    markedDown: (c: Member) =>
      waitFor(
        `haproxy to mark ${c.name} down`,
        async () => (log.includes(`coordinators/${c.name} is DOWN`) ? true : undefined),
        15_000,
      ),
  };
}
