/**
 * The ledger explorer in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) loads `/` from a coordinator process whose worker process folded a short
 * job, goes from a block to its entries, from a work entry to its unit and fold picture
 * (the coordinator's renderer, one circle per residue), and from a key to its history, by
 * clicking and by searching for a key id and a block height. The worker declares a team: it
 * leads the leaderboard, and `foldnet stats --out-dir` writes the day's export files.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keyId, loadIdentity } from "../../protocol/identity.js";
import { runFoldnet } from "../helpers/cli.js";
import {
  type CoordinatorProc,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "fn_explorer_test";
const SEQ = "HPHPPHHPHPPHPHHPPHPH";
const WAIT = { timeout: 45_000 } as const;
const TEAM = "Folding Friends";

let coordinator: CoordinatorProc | undefined;
let worker: Proc | undefined;
let browser: Browser | undefined;
let dir = "";

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`this test needs Debian's chromium at ${CHROMIUM} (.ci/run installs it)`);
  dir = tempDir("explorer");
  coordinator = await startCoordinator(join(dir, "c.db"), 0, KEY);
  worker = startWorker(coordinator.wsUrl, join(dir, "w0"), 1, ["--team", TEAM]);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"],
  });
});

afterAll(async () => {
  await browser?.close();
  await worker?.kill("SIGKILL");
  await coordinator?.kill("SIGKILL");
});

describe("the ledger explorer in headless Chromium", () => {
  it("goes from a block to a unit's fold picture and from a key to its history; the team leads the leaderboard", async () => {
    const c = coordinator!;
    const res = await fetch(`${c.url}/api/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ sequence: SEQ, steps: 131_072, trajectories: 2, unitSteps: 65_536 }),
    });
    expect(res.status).toBe(201);
    // the units are verified and sealed into a block (every 5 s)
    await waitFor("a sealed block", async () => {
      const { blocks } = (await (await fetch(`${c.url}/api/ledger/blocks`)).json()) as {
        blocks: unknown[];
      };
      return blocks.length > 0 ? true : undefined;
    });
    const workerKeyId = keyId(loadIdentity(join(dir, "w0", "identity.json")).publicKey);

    const page = await browser!.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(err.message));
    await page.goto(`${c.url}/`);
    await page.waitForSelector("#ledger:not([hidden]) #blocks button[data-block]", WAIT);

    // block → entries → unit, job and fold picture
    await page.click("#blocks button[data-block]");
    await page.waitForSelector('#explorer[data-view="block"] li[data-kind="work"]', WAIT);
    await page.click('#explorer li[data-kind="work"] button[data-entry]');
    await page.waitForFunction(
      (n) =>
        document.querySelectorAll('#explorer[data-view="entry"] .fold-pic svg circle').length === n,
      SEQ.length,
      WAIT,
    );
    expect(await page.textContent("#explorer .facts")).toContain(`on ${SEQ.length} residues`);

    // unit → its job, with the job's best fold; then back to the unit
    const unitView = await page.textContent("#explorer h3");
    await page.click("#explorer .facts button[data-job]");
    await page.waitForFunction(
      (n) =>
        document.querySelectorAll('#explorer[data-view="job"] .fold-pic svg circle').length === n,
      SEQ.length,
      WAIT,
    );
    expect(await page.textContent("#explorer .facts")).toContain("bounty");
    await page.click("#blocks button[data-block]");
    await page.click('#explorer li[data-kind="work"] button[data-entry]');
    await page.waitForFunction(
      (title) => document.querySelector('#explorer[data-view="entry"] h3')?.textContent === title,
      unitView,
      WAIT,
    );
    // entry → the worker's key → its history of rewards
    await page.click("#explorer .facts button[data-key]");
    await page.waitForSelector('#explorer[data-view="key"] tr[data-kind="work"]', WAIT);
    expect(await page.textContent("#explorer h3")).toBe(`Key ${workerKeyId}`);

    // search by key id and by height
    await page.click("#explorer button[data-close]");
    expect(await page.isHidden("#explorer")).toBe(true);
    await page.fill("#explorer-q", workerKeyId);
    await page.press("#explorer-q", "Enter");
    await page.waitForSelector('#explorer[data-view="key"] tr[data-kind="work"]', WAIT);
    await page.fill("#explorer-q", "0");
    await page.press("#explorer-q", "Enter");
    await page.waitForSelector('#explorer[data-view="block"] li', WAIT);
    expect(await page.textContent("#explorer h3")).toBe("Block 0");
    // the worker's team (signed in its hello) leads the leaderboard, and the day's export files
    await page.waitForSelector("#leaderboard-teams:not([hidden]) tbody tr", WAIT);
    expect(await page.textContent("#leaderboard-teams tbody tr")).toContain(TEAM);
    expect(await page.textContent("#leaderboard-keys tbody tr")).toContain(workerKeyId);
    const exported = await runFoldnet([
      "stats",
      "--coordinator",
      c.url,
      "--out-dir",
      join(dir, "stats"),
      "--json",
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const [json, keysCsv, teamsCsv] = JSON.parse(exported.stdout).files as string[];
    expect(JSON.parse(readFileSync(json!, "utf8")).teams[0]).toMatchObject({
      team: TEAM,
      members: 1,
    });
    expect(readFileSync(keysCsv!, "utf8").split("\r\n")[1]).toMatch(
      new RegExp(`^1,[0-9a-f]{64},${workerKeyId},${TEAM},`),
    );
    expect(readFileSync(teamsCsv!, "utf8")).toContain(`1,${TEAM},1,`);
    expect(problems).toEqual([]);
    await page.close();
  });
});

declare const document: {
  querySelectorAll(selector: string): ArrayLike<unknown>;
  querySelector(selector: string): { textContent: string | null } | null;
};
