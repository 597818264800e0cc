import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, type Proc, startCoordinator, startWorker, tempDir } from "../helpers/network.js";

const KEY = "fn_python_client";
const API_MD = new URL("../../docs/api.md", import.meta.url);
const running: Proc[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

describe("the Python example of docs/api.md", () => {
  it("submits a batch and prints its CSV results with the standard library only", async () => {
    const block = /```python\n([\s\S]*?)```/.exec(readFileSync(API_MD, "utf8"))?.[1];
    expect(block).toBeDefined();
    const dir = tempDir("python");
    const coordinator = await startCoordinator(join(dir, "c.db"), await freePort(), KEY);
    running.push(coordinator);
    running.push(startWorker(coordinator.wsUrl, tempDir("python-worker")));
    const script = block!.replace(
      /^BASE, KEY = .*$/m,
      `BASE, KEY = ${JSON.stringify(coordinator.url)}, ${JSON.stringify(KEY)}`,
    );
    const out = await new Promise<string>((resolve, reject) =>
      execFile("python3", ["-I", "-c", script], { timeout: 50_000 }, (err, stdout, stderr) =>
        err === null ? resolve(stdout) : reject(new Error(`${err.message}\n${stderr}`)),
      ),
    );
    const [header, ...rows] = out.trim().split("\n");
    expect(header).toBe("line,job,sequence,status,bestEnergy,fold,eStar,steps,timeMs");
    expect(rows.map((r) => r.split(",")[3])).toEqual(["done", "done"]);
  }, 60_000);
});
