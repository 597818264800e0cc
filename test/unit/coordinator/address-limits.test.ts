import { describe, expect, it } from "vitest";
import { AddressLimits } from "../../../coordinator/address-limits.js";

const opts = { maxUnauthenticatedPerAddress: 3, handshakesPerSecond: 2, handshakeBurst: 4 };

describe("per-address limits on unauthenticated connections", () => {
  it("admit up to the per-address limit, per address, and again once one settles", () => {
    const limits = new AddressLimits(opts, () => 0);
    for (let i = 0; i < 3; i++) expect(limits.admit("a")).toBeUndefined();
    expect(limits.admit("a")).toBe("429 Too Many Requests");
    expect(limits.admit("b")).toBeUndefined();
    expect(limits.unauthenticated).toBe(4);
    limits.settled("a");
    expect(limits.admit("a")).toBeUndefined(); // the 4th token of the burst
    limits.settled("a");
    expect(limits.admit("a")).toBe("429 Too Many Requests"); // burst spent
  });

  it("refill handshakes at the sustained rate and forget idle addresses", () => {
    let now = 0;
    const limits = new AddressLimits(opts, () => now);
    for (let i = 0; i < 4; i++) {
      expect(limits.admit("a")).toBeUndefined();
      limits.settled("a");
    }
    expect(limits.admit("a")).toBe("429 Too Many Requests");
    now += 500; // one token at 2/s
    expect(limits.admit("a")).toBeUndefined();
    limits.settled("a");
    expect(limits.admit("a")).toBe("429 Too Many Requests");
    now += 10_000;
    limits.prune();
    expect(limits.unauthenticated).toBe(0);
    for (let i = 0; i < 3; i++) expect(limits.admit("a")).toBeUndefined();
  });
});
