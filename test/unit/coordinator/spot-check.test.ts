import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ResultError } from "../../../coordinator/errors.js";
import {
  challengeContext,
  chooseSegments,
  verifyOpenings,
} from "../../../coordinator/spot-check.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { runSkipping } from "../../../testkit/cheats.js";
import { unitFixture } from "../../../testkit/unit-fixture.js";
import { buildOpenings, commitFields } from "../../../worker/result.js";
import type { SpooledResult } from "../../../worker/spool.js";

const L = 1024;
const K = 4;
const worker = generateIdentity();
const { assignment, lease } = unitFixture({
  sequence: "HPHPPHHPHPPHPHHPPHPH",
  replicas: 2,
  seed: 5n,
  segments: L,
  checkpointInterval: K,
  workerKey: worker.publicKey,
});
/** True when a challenge of `m` random segments catches `result`. */
function caught(result: SpooledResult, m: number): boolean {
  const segments = chooseSegments(L, m);
  const commit = { kind: "resultCommit" as const, ...commitFields(result) };
  try {
    verifyOpenings(challengeContext(lease, commit, segments), buildOpenings(result, segments));
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(ResultError);
    expect((err as ResultError).code).toBe("RESULT_ERROR_WORK_MISMATCH");
    return true;
  }
}

describe("spot checks", () => {
  it("choose the first, the last and m distinct segments, increasing", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 62 }),
        (count, m) => {
          const s = chooseSegments(count, m);
          expect(s.length).toBe(Math.min(count, m + 2));
          expect(s[0]).toBe(0);
          expect(s[s.length - 1]).toBe(count - 1);
          for (let i = 1; i < s.length; i++) expect(s[i]!).toBeGreaterThan(s[i - 1]!);
        },
      ),
    );
  });

  it("accept an honest unit whatever segments they open", async () => {
    const honest = runSkipping(assignment, new Set(), worker.secretKey);
    for (let t = 0; t < 20; t++) expect(caught(honest, 30)).toBe(false);
  });

  it("catch a worker skipping a fraction f of its segments at the rate 1 − (1 − f)^m predicts", async () => {
    const f = 0.1;
    const m = 30;
    // skip every 10th segment, never the first or last (always opened, so always caught)
    const skip = new Set(
      Array.from({ length: L }, (_, j) => j).filter((j) => j > 0 && j < L - 1 && j % 10 === 5),
    );
    const cheat = runSkipping(assignment, skip, worker.secretKey);
    const trials = 300;
    let hits = 0;
    for (let t = 0; t < trials; t++) if (caught(cheat, m)) hits++;
    const observed = hits / trials;
    // exact for m draws without replacement from the L − 2 inner segments
    let miss = 1;
    for (let i = 0; i < m; i++) miss *= (L - 2 - skip.size - i) / (L - 2 - i);
    const exact = 1 - miss;
    const sigma = Math.sqrt((exact * (1 - exact)) / trials);
    expect(Math.abs(observed - exact)).toBeLessThan(4 * sigma + 0.01);
    expect(Math.abs(exact - (1 - (1 - f) ** m))).toBeLessThan(0.01);
  });
});
