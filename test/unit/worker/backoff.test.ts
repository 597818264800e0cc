import { createServer } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createLineLogger } from "../../../common/log.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { BACKOFF_INITIAL_MS, BACKOFF_MAX_MS, Backoff } from "../../../worker/backoff.js";
import { WorkerConnection } from "../../../worker/connection.js";
import { ManualClock } from "./fixtures/manual-clock.js";

/** A local port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

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

describe("the connection's reconnect schedule", () => {
  it("waits the backoff delays between refused connects, on the injected clock", async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const connection = new WorkerConnection(
      {
        urls: [`ws://127.0.0.1:${await closedPort()}/ws`],
        identity: generateIdentity(),
        client: "test",
        threads: 1,
      },
      {
        clock,
        random: () => 0,
        log: createLineLogger((line) => {
          const m = /"retryInMs":(\d+)/.exec(line);
          if (m !== null) delays.push(Number(m[1]));
        }),
      },
    );
    const waiting = () =>
      new Promise<void>((resolve) => {
        const on = (state: string) => {
          if (state !== "waiting") return;
          connection.off("state", on);
          resolve();
        };
        connection.on("state", on);
      });
    let next = waiting();
    connection.start();
    for (let i = 0; i < 8; i++) {
      await next;
      next = waiting();
      // Nothing happens until the clock reaches the delay.
      clock.advance(delays.at(-1)! - 1);
      expect(connection.state).toBe("waiting");
      clock.advance(1);
      expect(connection.state).toBe("connecting");
    }
    await next;
    expect(delays).toEqual([250, 500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
    await connection.stop();
    expect(connection.state).toBe("closed");
    expect(clock.pending).toBe(0);
  });
});
