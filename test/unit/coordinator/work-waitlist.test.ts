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
      serve: async (n: number) => {
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
  it("serves parked requests in arrival order when units are queued", async () => {
    const queue = { available: 0 };
    const list = new WorkWaitlist(5_000);
    const a = request(2, queue);
    const b = request(1, queue);
    const [ownerA, ownerB] = [{}, {}];
    list.park(ownerA, a.parked);
    list.park(ownerB, b.parked);
    queue.available = 2;
    list.notify();
    await list.settled();
    expect([a.got.served, b.got.served]).toEqual([2, 0]);
    queue.available = 1;
    list.notify();
    await list.settled();
    expect(b.got.served).toBe(1);
    expect(list.size).toBe(0);
  });

  it("runs one pass at a time and another for units queued during it", async () => {
    const queue = { available: 0 };
    const list = new WorkWaitlist(5_000);
    const a = request(1, queue);
    const b = request(1, queue);
    list.park({}, a.parked);
    list.park({}, b.parked);
    queue.available = 1;
    list.notify(); // a pass starts: it serves a
    queue.available = 1;
    list.notify(); // during the pass: runs again after it, serving b
    await list.settled();
    expect([a.got.served, b.got.served]).toEqual([1, 1]);
  });

  it("keeps requests parked when a pass fails, and tells why", async () => {
    const errors: unknown[] = [];
    const list = new WorkWaitlist(5_000, (e) => errors.push(e));
    let gaveUp = 0;
    list.park(
      {},
      {
        slots: 1,
        serve: async () => {
          throw new Error("store away");
        },
        giveUp: () => {
          gaveUp++;
        },
      },
    );
    list.notify();
    await list.settled();
    expect(errors).toHaveLength(1);
    expect(list.size).toBe(1);
    vi.advanceTimersByTime(5_000);
    expect(gaveUp).toBe(1);
  });

  it("adds a second request of the same owner to the parked one instead of dropping it", async () => {
    const queue = { available: 0 };
    const list = new WorkWaitlist(5_000);
    const first = request(1, queue);
    const owner = {};
    list.park(owner, first.parked);
    list.park(owner, request(1, queue).parked);
    queue.available = 5;
    list.notify();
    await list.settled();
    expect(first.got.served).toBe(2);
  });

  it("answers noWork after parkMs, and drops a cancelled request silently", async () => {
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
