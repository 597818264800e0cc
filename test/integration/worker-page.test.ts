/**
 * The worker's local page in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens the address `foldnet worker status` prints (token in the fragment)
 * on a worker process folding for a coordinator process. The page shows the thread's job,
 * unit progress and steps/s, the tokens and balance, and the rules; clicking Pause makes the
 * worker's CPU, measured from /proc/<pid>/stat, fall under 5 % of a core, Resume brings it
 * back, and the rules form changes the CPU cap live. A page without the token gets nothing.
 * It saves a screenshot to test-results/worker-page.png.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import { runFoldnet } from "../helpers/cli.js";
import {
  type CoordinatorProc,
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
} from "../helpers/network.js";
import { measureCpu } from "../helpers/proc-cpu.js";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "fn_worker_page_test";
const SCREENSHOT = fileURLToPath(new URL("../../test-results/worker-page.png", import.meta.url));
const UNIT_STEPS = 2 ** 30; // longer than the test: the unit stays in hand
const WAIT = { timeout: 45_000, polling: 100 } as const;

/** The page's DOM as the functions run in the browser use it (the tsconfig has no DOM lib). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly hidden: boolean;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement>;
};

let coordinator: CoordinatorProc | undefined;
let worker: Proc | undefined;
let browser: Browser | undefined;
let dir = "";

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`this test needs Debian's chromium at ${CHROMIUM} (test/system-deps.sh)`);
  dir = tempDir("worker-page");
  coordinator = await startCoordinator(join(dir, "c.db"), 0, KEY);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  await worker?.kill("SIGKILL");
  await coordinator?.kill("SIGKILL");
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("the worker's local page in headless Chromium", () => {
  it("shows the thread's unit and tokens, and its Pause button stops the CPU", async () => {
    const c = coordinator!;
    const job = await new ApiClient(c.url, KEY).submit({
      sequence: "HPHPPHHPHPPHPHHPPHPH",
      steps: UNIT_STEPS,
      trajectories: 1,
      unitSteps: UNIT_STEPS,
    });
    const port = await freePort();
    const wdir = join(dir, "w");
    worker = startWorker(c.wsUrl, wdir, 1, ["--ui-port", String(port)]);
    const pid = worker.child.pid as number;

    const page = await browser!.newPage({ viewport: { width: 1100, height: 900 } });
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));

    // without the token: the page asks for it and shows nothing of the worker
    await page.goto(`http://127.0.0.1:${port}/`).catch(() => undefined);
    await page.waitForFunction(
      () => document.getElementById("need-token")?.hidden === false,
      undefined,
      WAIT,
    );
    expect(await page.textContent("#key")).toBe("");

    // the address `foldnet worker status` prints
    let status = await runFoldnet([
      "worker",
      "status",
      "--ui-port",
      String(port),
      "--identity",
      join(wdir, "identity.json"),
    ]);
    for (let i = 0; status.code !== 0 && i < 50; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      status = await runFoldnet([
        "worker",
        "status",
        "--ui-port",
        String(port),
        "--identity",
        join(wdir, "identity.json"),
      ]);
    }
    const url = /page\s+(\S+)/.exec(status.stdout)?.[1] as string;
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/#token=[0-9a-f]{64}$`));
    await page.goto(url);
    await page.waitForFunction(
      (jobId) => {
        const row = document.querySelectorAll("#units tr")[0];
        return (
          row !== undefined &&
          (row.textContent ?? "").includes(jobId) &&
          (row.textContent ?? "").includes("%")
        );
      },
      job.id,
      WAIT,
    );
    expect(await page.textContent("#state")).toBe("folding");
    expect(await page.textContent("#balance")).toMatch(/^\d+(\.\d+)?$/);
    expect(await page.inputValue('input[name="maxCpu"]')).toBe("100");
    const stepsPerSecond = await page.textContent("#units tr td:nth-child(5)");
    expect(Number(stepsPerSecond?.replace(/\D/g, ""))).toBeGreaterThan(0);
    const before = await measureCpu(pid, 2_000);

    await page.click("#pause");
    await page.waitForFunction(
      () => document.getElementById("state")?.dataset.holding === "paused",
      undefined,
      WAIT,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const paused = await measureCpu(pid, 2_000);
    process.stderr.write(
      `worker CPU % of a core: ${before.cpuPct.toFixed(1)} before pause, ${paused.cpuPct.toFixed(1)} paused\n`,
    );
    expect(paused.cpuPct).toBeLessThan(5);
    expect(paused.cpuPct).toBeLessThan(before.cpuPct);
    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // the rules form: a cap of 30 % per thread, then Resume
    await page.fill('input[name="maxCpu"]', "30");
    await page.click('#rules button[type="submit"]');
    await page.waitForFunction(
      () => document.getElementById("message")?.textContent === "rules saved",
      undefined,
      WAIT,
    );
    await page.click("#resume");
    await page.waitForFunction(
      () => document.getElementById("state")?.textContent === "folding",
      undefined,
      WAIT,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const capped = await measureCpu(pid, 3_000);
    process.stderr.write(
      `resumed at --max-cpu 30: ${capped.cpuPct.toFixed(1)} (+${capped.waitPct.toFixed(1)} run-queue wait)\n`,
    );
    expect(capped.cpuPct).toBeGreaterThan(paused.cpuPct);
    expect(capped.cpuPct).toBeLessThanOrEqual(40);
    expect(problems).toEqual([]);
  });
});
