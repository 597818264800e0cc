import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, Backoff } from "../../../worker/backoff.js";

describe("reconnect backoff", () => {
  it("doubles from 0.5 s to a 30 s ceiling, each delay in [ceiling/2, ceiling]", () => {
    const low = new Backoff({ random: () => 0 });
    const high = new Backoff({ random: () => 0.999_999_999 });
    const ceilings = [500, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000];
    expect(ceilings.map(() => low.next())).toEqual(ceilings.map((c) => c / 2));
    expect(ceilings.map(() => high.next())).toEqual(ceilings);
    expect(low.attempts).toBe(ceilings.length);
  });

  it("uses the injected random source for the jitter", () => {
    const draws = [0.5, 0.25, 0.75];
    const b = new Backoff({ random: () => draws.shift()! });
    expect([b.next(), b.next(), b.next()]).toEqual([375, 625, 1_750]);
  });

  it("starts over after a reset", () => {
    const b = new Backoff({ random: () => 0 });
    b.next();
    b.next();
    b.reset();
    expect(b.attempts).toBe(0);
    expect(b.next()).toBe(BACKOFF_INITIAL_MS / 2);
  });

  it("never leaves [initial/2, max] whatever the random source returns", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { maxLength: 80 }), (draws) => {
        const b = new Backoff({ random: () => draws.shift() ?? 0.5 });
        for (let i = 0; i < 80; i++) {
          const d = b.next();
          expect(d).toBeGreaterThanOrEqual(BACKOFF_INITIAL_MS / 2);
          expect(d).toBeLessThanOrEqual(BACKOFF_MAX_MS);
        }
      }),
    );
  });

  it("checks its bounds", () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
  });
});
