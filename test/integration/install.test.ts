/**
 * The installable worker: `npm pack` of this checkout, installed with `npm install -g` into a
 * temporary prefix from the npm cache `npm ci` filled (`--offline`: the packed
 * npm-shrinkwrap.json pins every dependency by integrity, so no registry is asked), with
 * `--ignore-scripts` (so no dependency's install script, and no native build, is involved:
 * the worker needs none), then the installed `foldnet worker` folds for a coordinator until a
 * unit is accepted. Checks that only production dependencies were installed and that the
 * package holds the built dist/, not TypeScript sources. Times each step on stderr.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import {
  acknowledgedUnits,
  type CoordinatorProc,
  spawnLogged,
  startCoordinator,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const KEY = "fn_install_test";
const running: { kill(signal?: NodeJS.Signals): Promise<unknown> }[] = [];
let dir = "";
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function run(cmd: string, args: string[], cwd: string): Promise<{ stdout: string; ms: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    execFile(cmd, args, { cwd, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err !== null)
        fail(new Error(`${cmd} ${args.join(" ")} failed: ${err.message}\n${stderr}`));
      else done({ stdout, ms: performance.now() - started });
    });
  });
}

describe("the packed worker, installed from its tarball", () => {
  it("installs with production dependencies only and folds until a unit is accepted", async () => {
    dir = tempDir("install");
    const pack = await run("npm", ["pack", "--pack-destination", dir], ROOT);
    const tarball = join(dir, pack.stdout.trim().split("\n").at(-1) as string);
    const prefix = join(dir, "prefix");
    const install = await run(
      "npm",
      [
        "install",
        "-g",
        "--prefix",
        prefix,
        tarball,
        "--offline",
        "--ignore-scripts",
        "--no-audit",
        "--no-fund",
      ],
      dir,
    );
    process.stderr.write(
      `npm pack ${(pack.ms / 1000).toFixed(1)} s, npm install -g ${(install.ms / 1000).toFixed(1)} s\n`,
    );
    const installed = join(prefix, "lib", "node_modules", "foldnet");
    const modules = readdirSync(join(installed, "node_modules"));
    for (const dev of ["tsx", "typescript", "vitest", "@biomejs", "fast-check", "playwright-core"])
      expect(modules).not.toContain(dev);
    expect(modules).toEqual(expect.arrayContaining(["piscina", "ws", "protobufjs", "@noble"]));
    expect(existsSync(join(installed, "dist", "worker", "worker.js"))).toBe(true);
    expect(existsSync(join(installed, "dist", "web", "worker", "index.html"))).toBe(true);
    expect(existsSync(join(installed, "worker"))).toBe(false); // no TypeScript sources
    expect(existsSync(join(installed, "npm-shrinkwrap.json"))).toBe(true);

    const coordinator: CoordinatorProc = await startCoordinator(join(dir, "c.db"), 0, KEY);
    running.push(coordinator);
    const client = new ApiClient(coordinator.url, KEY);
    const job = await client.submit({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      steps: 2 ** 22,
      trajectories: 1,
      unitSteps: 2 ** 22,
    });
    const wdir = join(dir, "w");
    const worker = spawnLogged(join(prefix, "bin", "foldnet"), [
      "worker",
      "--coordinator",
      coordinator.wsUrl,
      "--threads",
      "1",
      "--identity",
      join(wdir, "identity.json"),
      "--spool",
      join(wdir, "spool"),
      "--ui-port",
      "off",
    ]);
    running.push(worker);
    const accepted = await waitFor(
      "a unit accepted from the installed worker",
      async () => {
        const units = acknowledgedUnits(worker.log());
        return units.length > 0 ? units : undefined;
      },
      120_000,
      200,
    );
    expect(accepted[0]).toContain(job.id);
    expect((await client.job(job.id)).unitsVerified).toBe(1);
  }, 300_000);
});
