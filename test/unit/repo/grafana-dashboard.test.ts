import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const DASHBOARD = new URL("../../../ops/grafana/foldnet.json", import.meta.url);

/** PromQL words that are not metric names. */
const KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "offset",
  "bool",
  "le",
]);

/** The metric names a PromQL expression reads: identifiers outside label matchers and groupings that are not functions. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, "")
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, "");
  return [...bare.matchAll(/([A-Za-z_:][A-Za-z0-9_:]*)\s*(\()?/g)]
    .filter((m) => m[2] === undefined && !KEYWORDS.has(m[1]!))
    .map((m) => m[1]!);
}

let coordinator: Coordinator;
let address: CoordinatorAddress;
beforeAll(async () => {
  coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: ["fn_grafana"], verifyThreads: 0 },
    { log: silentLogger },
  );
  address = await coordinator.start();
});
afterAll(async () => {
  await coordinator.stop();
});

describe("the Grafana dashboard", () => {
  it("parses metric names out of PromQL", () => {
    expect(
      metricNames('histogram_quantile(0.95, sum by (le) (rate(a_bucket{x="}"}[5m]))) / b'),
    ).toEqual(["a_bucket", "b"]);
  });

  it("queries only metrics the coordinator's /metrics exposes", async () => {
    const text = await (await fetch(`${address.url}/metrics`)).text();
    const exposed = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exposed.add(name!);
      if (type === "histogram")
        for (const s of ["_bucket", "_sum", "_count"]) exposed.add(name + s);
      if (type === "summary") for (const s of ["_sum", "_count"]) exposed.add(name + s);
    }
    const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      const names = metricNames(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(exposed, `${name} in ${expr}`).toContain(name);
    }
  });
});
