/**
 * The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven by
 * playwright-core, no browser download) loads `/` from a coordinator process with two worker
 * processes folding two jobs (a 3D one that ends soon, a 2D one that runs on), and the test
 * checks that the jobs, their fold pictures (inline SVG with circles) and the workers appear,
 * that the page updates by itself from the live feed as units are verified, and that a 3D
 * fold rotates when dragged. It saves a screenshot to test-results/dashboard.png.
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CoordinatorProc,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
} from "../helpers/network.js";

const CHROMIUM = "/usr/bin/chromium";
const KEY = "fn_dashboard_test";
const SCREENSHOT = fileURLToPath(new URL("../../test-results/dashboard.png", import.meta.url));
/** 2D 64-mer of the HP benchmarks (E* = −42): runs on for the whole test. */
const SEQ_2D_64 = "HHHHHHHHHHHHPHPHPPHHPPHHPPHPPHHPPHHPPHPPHHPPHHPPHPHPHHHHHHHHHHHH";
/** 3D 36-mer (E* = −18): a short job that ends early in the test. */
const SEQ_3D_36 = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";
const UNIT_STEPS = 262_144;
const WAIT = { timeout: 45_000, polling: 100 } as const;

/** The page's DOM as the functions run in the browser use it (the tsconfig has no DOM lib). */
interface PageElement {
  readonly dataset: Record<string, string | undefined>;
  readonly textContent: string | null;
  readonly children: ArrayLike<PageElement>;
}
declare const document: {
  getElementById(id: string): PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): ArrayLike<PageElement> & Iterable<PageElement>;
};

let coordinator: CoordinatorProc | undefined;
const workers: Proc[] = [];
let browser: Browser | undefined;
let dir = "";

async function submit(body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${coordinator!.url}/api/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** The units-verified count a job's card shows. */
const unitsShown = (page: Page, id: string) =>
  page.$eval(`[data-job-id="${id}"]`, (el) =>
    Number((el as unknown as PageElement).dataset.unitsVerified),
  );

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `this test needs Debian's chromium at ${CHROMIUM}: apt-get install chromium (npm test does: test/system-deps.sh)`,
    );
  dir = tempDir("dashboard");
  coordinator = await startCoordinator(join(dir, "c.db"), 0, KEY);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(workers.splice(0).map((w) => w.kill("SIGKILL")));
  await coordinator?.kill("SIGKILL");
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard in headless Chromium", () => {
  it("shows jobs, fold pictures and workers, and updates them live", async () => {
    const c = coordinator!;
    const page = await browser!.newPage({ viewport: { width: 1440, height: 1100 } });
    const problems: string[] = [];
    page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
    page.on("console", (msg) => {
      // A coordinator without a ledger answers the panel's probe with 404: expected.
      if (msg.type() === "error" && !msg.location().url.includes("/api/ledger/"))
        problems.push(`console: ${msg.text()}`);
    });
    await page.goto(`${c.url}/`);
    await page.waitForFunction(
      () => document.getElementById("live")?.dataset.state === "live",
      undefined,
      WAIT,
    );
    expect(await page.isVisible("#jobs-empty")).toBe(true);

    const job3d = await submit({
      name: "3D 36-mer",
      sequence: SEQ_3D_36,
      lattice: "cubic3d",
      steps: 6 * UNIT_STEPS,
      trajectories: 1,
      unitSteps: UNIT_STEPS,
      targetEnergy: -18,
    });
    const job2d = await submit({
      name: "2D 64-mer (Unger & Moult)",
      sequence: SEQ_2D_64,
      steps: 2 * 200 * UNIT_STEPS,
      trajectories: 2,
      unitSteps: UNIT_STEPS,
      targetEnergy: -42,
    });
    // The jobs appear without a reload (the submission is pushed through the live feed).
    await page.waitForSelector(`[data-job-id="${job2d}"]`, WAIT);
    await page.waitForSelector(`[data-job-id="${job3d}"]`, WAIT);

    for (let i = 0; i < 2; i++)
      workers.push(startWorker(c.wsUrl, join(dir, `w${i}`), 1, ["--name", `<b>lab</b> ${i}`]));
    await page.waitForFunction(
      () => document.querySelectorAll('#workers tr[data-connected="true"]').length === 2,
      undefined,
      WAIT,
    );
    // Each row shows the volunteer's --name, as text: markup in it stays text.
    const names = await page.$$eval("#workers .wname", (els) => els.map((e) => e.textContent));
    expect(names.sort()).toEqual(["<b>lab</b> 0", "<b>lab</b> 1"]);
    expect(await page.$$("#workers b")).toHaveLength(0);

    // Fold pictures: the coordinator's renderer, inline, with one circle per residue.
    for (const [id, residues] of [
      [job3d, SEQ_3D_36.length],
      [job2d, SEQ_2D_64.length],
    ] as const) {
      await page.waitForFunction(
        ({ id, residues }) =>
          document.querySelectorAll(`[data-job-id="${id}"] .fold-pic svg circle`).length ===
          residues,
        { id, residues },
        WAIT,
      );
    }

    // Live updates: the 2D job's verified units and the workers' figures grow by themselves.
    const before = await unitsShown(page, job2d);
    await page.waitForFunction(
      ({ id, n }) =>
        Number(
          (document.querySelector(`[data-job-id="${id}"]`) as PageElement | null)?.dataset
            .unitsVerified,
        ) >=
        n + 2,
      { id: job2d, n: before },
      WAIT,
    );
    const progress = await page.$eval(
      `[data-job-id="${job2d}"] .pct`,
      (el) => el.textContent ?? "",
    );
    expect(progress).toMatch(/^\d+\.\d %$/);
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll("#workers tbody tr")].every(
          (tr) => Number(tr.children[1]?.textContent?.replace(/,/g, "")) > 0,
        ),
      undefined,
      WAIT,
    );
    // The energy plot has a line once a unit is verified.
    await page.waitForSelector(`[data-job-id="${job2d}"] svg.plot path.energy`, WAIT);

    // The 3D job ends; its picture turns into a rotatable view when dragged.
    await page.waitForSelector(`[data-job-id="${job3d}"][data-status="done"]`, WAIT);
    const pic = await page.waitForSelector(`[data-job-id="${job3d}"] .fold-pic svg`, WAIT);
    const box = (await pic.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 40, box.y + box.height / 2 + 15, { steps: 5 });
    await page.mouse.up();
    await page.waitForSelector(`[data-job-id="${job3d}"] svg.fold3d`, WAIT);
    expect(
      await page.$$eval(`[data-job-id="${job3d}"] svg.fold3d circle`, (els) => els.length),
    ).toBe(SEQ_3D_36.length);

    // The ledger panel is there exactly when the coordinator has a ledger API.
    const ledger = (await fetch(`${c.url}/api/ledger/blocks?limit=1`)).status === 200;
    if (ledger) await page.waitForSelector("#ledger:not([hidden])", WAIT);
    else expect(await page.isHidden("#ledger")).toBe(true);

    mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});
