import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fuzzRequest, type Outcome, prng, sendRaw } from "../helpers/http-fuzz.js";
import { type CoordinatorProc, startCoordinator, tempDir } from "../helpers/network.js";

const KEY = "fn_fuzz_test";
const REQUESTS = 10_000;
const CONCURRENCY = 64;
let coordinator: CoordinatorProc;

beforeAll(async () => {
  coordinator = await startCoordinator(join(tempDir("fuzz"), "c.db"), 0, KEY);
});
afterAll(async () => {
  await coordinator.kill("SIGKILL");
});

const portOf = (url: string) => Number(new URL(url).port);

describe("hostile HTTP against a live coordinator process", () => {
  it("answers or closes each of 10,000 random and mutated requests (plain and upgrade) and still serves", async () => {
    const port = portOf(coordinator.url);
    const random = prng(0x5eed);
    const requests = Array.from({ length: REQUESTS }, () => fuzzRequest(random));
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const bytes = requests[next++] as Buffer;
          outcomes.push(await sendRaw(port, bytes));
        }
      }),
    );
    expect(outcomes).toHaveLength(REQUESTS);
    expect(outcomes.filter((o) => o === "hung")).toEqual([]);
    const statuses = new Set(outcomes.flatMap((o) => (typeof o === "object" ? [o.status] : [])));
    expect(statuses.has(400)).toBe(true); // hostile targets are refused by the handlers …
    expect(statuses.has(101)).toBe(true); // … while real upgrades go through
    expect(statuses.has(500)).toBe(false); // and nothing reached a handler's last resort
    expect(coordinator.child.exitCode).toBeNull();
    expect(coordinator.log()).not.toMatch(/uncaught|unhandled/);
    const status = await fetch(`${coordinator.url}/api/status`);
    expect(status.status).toBe(200);
  });

  it("answers the request targets that used to end the process (HTTP and upgrade)", async () => {
    const port = portOf(coordinator.url);
    const expected: [string, number][] = [
      ["//", 404], // a path, if an odd one
      ["//a:b@[x", 404],
      ["http://[::1", 400], // not origin-form
      ["*", 400],
    ];
    const upgrade =
      "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==";
    for (const [target, status] of expected) {
      const plain = `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`;
      expect(await sendRaw(port, Buffer.from(plain))).toEqual({ status });
      const up = `GET ${target} HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n\r\n`;
      expect(await sendRaw(port, Buffer.from(up))).toEqual({ status });
    }
    expect(coordinator.child.exitCode).toBeNull();
  });
});
