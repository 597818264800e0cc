import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { challengeKey, challengeSeed, seededRandom } from "../../../coordinator/challenge-draw.js";
import { chooseSegments } from "../../../coordinator/spot-check.js";
import { generateIdentity } from "../../../protocol/identity.js";

const key = challengeKey(generateIdentity().secretKey);
const draw = (id: Uint8Array, root: Uint8Array, count: number, m: number) =>
  chooseSegments(count, m, seededRandom(challengeSeed(key, id, root)));

describe("the challenge draw", () => {
  it("is a function of (key, assignment, root, segment count, m)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 0, max: 62 }),
        (id, root, count, m) => {
          const s = draw(id, root, count, m);
          expect(draw(id, root, count, m)).toEqual(s);
          expect(s.length).toBe(Math.min(count, m + 2));
          expect(s[0]).toBe(0);
          expect(s.at(-1)).toBe(count - 1);
        },
      ),
    );
  });

  it("differs with the coordinator's key, the assignment and the root", () => {
    const id = randomBytes(16);
    const root = randomBytes(32);
    const s = draw(id, root, 1024, 30);
    expect(draw(randomBytes(16), root, 1024, 30)).not.toEqual(s);
    expect(draw(id, randomBytes(32), 1024, 30)).not.toEqual(s);
    const otherKey = challengeKey(generateIdentity().secretKey);
    expect(chooseSegments(1024, 30, seededRandom(challengeSeed(otherKey, id, root)))).not.toEqual(
      s,
    );
  });

  it("draws uniformly (each inner segment about equally often)", () => {
    const counts = new Array<number>(64).fill(0);
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const random = seededRandom(challengeSeed(key, randomBytes(16), randomBytes(32)));
      counts[random(64)]!++;
    }
    const expected = n / 64;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(120); // 63 degrees of freedom: p < 1e-5 above this
  });

  it("keeps a skipping worker's escape rate at (1 − f)^m however often it re-sends", () => {
    const L = 1024;
    const m = 10;
    const f = 0.1;
    const skip = new Set(Array.from({ length: L }, (_, j) => j).filter((j) => j % 10 === 5));
    const missesSkip = (s: readonly number[]) => s.every((j) => !skip.has(j));
    const assignments = 4_000;
    const tries = 8;
    let escaped = 0;
    for (let a = 0; a < assignments; a++) {
      const id = randomBytes(16);
      const root = randomBytes(32); // the cheat's one root for this assignment
      const first = draw(id, root, L, m);
      let escapedOnce = false;
      for (let t = 0; t < tries; t++) {
        const again = draw(id, root, L, m); // a re-send, a reconnect or a restart: the same draw
        expect(again).toEqual(first);
        escapedOnce ||= missesSkip(again);
      }
      if (escapedOnce) escaped++;
    }
    // exact: m draws without replacement from the L − 2 inner segments
    let exact = 1;
    for (let i = 0; i < m; i++) exact *= (L - 2 - skip.size - i) / (L - 2 - i);
    const observed = escaped / assignments;
    const sigma = Math.sqrt((exact * (1 - exact)) / assignments);
    expect(Math.abs(observed - exact)).toBeLessThan(4 * sigma);
    expect(Math.abs(exact - (1 - f) ** m)).toBeLessThan(0.01);
    // with a fresh draw per try, the escape rate would have been 1 − (1 − exact)^tries
    expect(observed).toBeLessThan(1 - (1 - exact) ** tries - 0.3);
  });
});
