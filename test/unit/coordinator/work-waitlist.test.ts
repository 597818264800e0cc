import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { WorkWaitlist } from "../../../coordinator/work-waitlist.js";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A parked request whose queue holds `available` units; records what it got. */
function request(slots: number, queue: { available: number }) {
  const got = { served: 0, gaveUp: 0 };
  return {
    got,
    parked: {
      slots,
      serve: (n: number) => {
        const sent = Math.min(n, queue.available);
        queue.available -= sent;
        got.served += sent;
        return sent;
      },
      giveUp: () => {
        got.gaveUp++;
      },
    },
  };
}

describe("long-polled work requests", () => {
  it("serves parked requests in arrival order when units are queued", () => {
    const queue = { available: 0 };
    const list = new WorkWaitlist(5_000);
    const a = request(2, queue);
    const b = request(1, queue);
    const [ownerA, ownerB] = [{}, {}];
    list.park(ownerA, a.parked);
    list.park(ownerB, b.parked);
    queue.available = 2;
    list.notify();
    expect([a.got.served, b.got.served]).toEqual([2, 0]);
    queue.available = 1;
    list.notify();
    expect(b.got.served).toBe(1);
    expect(list.size).toBe(0);
  });

  it("adds a second request of the same owner to the parked one instead of dropping it", () => {
    const queue = { available: 0 };
    const list = new WorkWaitlist(5_000);
    const first = request(1, queue);
    const owner = {};
    list.park(owner, first.parked);
    list.park(owner, request(1, queue).parked);
    queue.available = 5;
    list.notify();
    expect(first.got.served).toBe(2);
  });

  it("answers noWork after parkMs, and drops a cancelled request silently", () => {
    const queue = { available: 0 };
    const list = new WorkWaitlist(5_000);
    const waiting = request(1, queue);
    const gone = request(1, queue);
    const [waitingOwner, goneOwner] = [{}, {}];
    list.park(waitingOwner, waiting.parked);
    list.park(goneOwner, gone.parked);
    list.cancel(goneOwner);
    vi.advanceTimersByTime(4_999);
    expect(waiting.got.gaveUp).toBe(0);
    vi.advanceTimersByTime(1);
    expect([waiting.got.gaveUp, gone.got.gaveUp]).toEqual([1, 0]);
    expect(list.size).toBe(0);
  });
});
