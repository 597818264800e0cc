/**
 * The coordinator's observability routes, in process and from the sources (the dashboard's
 * files resolved from the repository's web/): `/` and its files, `/metrics`, `/api/events`.
 * The built executable is covered by test/integration/{dashboard,prometheus}.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import type { Snapshot } from "../../../coordinator/live-feed.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const API_KEY = "fn_feed_test";
let coordinator: Coordinator;
let address: CoordinatorAddress;

beforeAll(async () => {
  coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: [API_KEY], verifyThreads: 0 },
    { log: silentLogger },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

/** Reads server-sent snapshots from a stream. */
async function* snapshots(body: ReadableStream<Uint8Array>): AsyncGenerator<Snapshot> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").find((l) => l.startsWith("data: "));
      if (event.startsWith("event: snapshot") && data !== undefined)
        yield JSON.parse(data.slice(6)) as Snapshot;
    }
  }
}

describe("dashboard files", () => {
  it("serves web/index.html at / with a strict CSP, and the modules it loads", async () => {
    const page = await fetch(`${address.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/app.js"></script>');
    for (const [file, type] of [
      ["app.js", "text/javascript; charset=utf-8"],
      ["fold3d.js", "text/javascript; charset=utf-8"],
      ["plot.js", "text/javascript; charset=utf-8"],
      ["style.css", "text/css; charset=utf-8"],
    ]) {
      const res = await fetch(`${address.url}/${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get("content-type")).toBe(type);
      await res.arrayBuffer();
    }
    const head = await fetch(`${address.url}/app.js`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("serves nothing outside web/ and answers unknown paths with the JSON 404", async () => {
    for (const path of [
      "/nope.js",
      "/..%2fpackage.json",
      "/%2e%2e/package.json",
      "/web/index.html",
      "/index",
      "/.env",
    ]) {
      const res = await fetch(`${address.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
        "API_ERROR_NOT_FOUND",
      );
    }
    expect((await fetch(`${address.url}/`, { method: "POST" })).status).toBe(404);
  });
});

describe("/metrics", () => {
  it("serves the coordinator's registry in Prometheus text format", async () => {
    const res = await fetch(`${address.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain; version=0.0.4");
    const text = await res.text();
    expect(text).toContain("# TYPE foldnet_endpoint_connected_workers gauge");
    expect(text).toContain("foldnet_ledger_blocks_sealed_total 0");
    expect(text).toContain("process_cpu_seconds_total");
    expect((await fetch(`${address.url}/metrics`, { method: "POST" })).status).toBe(405);
  });
});

describe("/api/events", () => {
  it("streams a snapshot at once and another when a job is submitted", async () => {
    const controller = new AbortController();
    const res = await fetch(`${address.url}/api/events`, { signal: controller.signal });
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const events = snapshots(res.body!);
    const first = (await events.next()).value as Snapshot;
    expect(first.coordinator.keyId).toMatch(/^[0-9a-f]{16}$/);
    const submitted = await fetch(`${address.url}/api/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "feed",
        sequence: "HPHPPHHPHPPHPHHPPHPH",
        steps: 65_536,
        unitSteps: 65_536,
      }),
    });
    const { id } = (await submitted.json()) as { id: string };
    let next: Snapshot;
    do next = (await events.next()).value as Snapshot;
    while (!next.jobs.some((j) => j.id === id));
    expect(next.jobs.find((j) => j.id === id)).toMatchObject({
      name: "feed",
      status: "running",
      history: [],
    });
    expect(next.counts.units.queued).toBeGreaterThanOrEqual(1);
    controller.abort();
    await events.return(undefined).catch(() => {});
  });
});
