import type { IncomingMessage } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { silentLogger } from "../../../common/log.js";
import { clientAddress } from "../../../coordinator/client-address.js";
import type { Coordinator } from "../../../coordinator/coordinator.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const request = (remoteAddress: string, forwarded?: string | string[]) =>
  ({
    socket: { remoteAddress },
    headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded },
  }) as unknown as IncomingMessage;

describe("the client's address", () => {
  const behind = clientAddress(["10.0.0.1", "10.0.0.2", "::1"]);

  it("is the peer's unless the peer is a trusted proxy", () => {
    expect(clientAddress([])(request("192.0.2.7", "198.51.100.1"))).toBe("192.0.2.7");
    expect(behind(request("192.0.2.7", "198.51.100.1"))).toBe("192.0.2.7");
    expect(behind(request("::ffff:192.0.2.7"))).toBe("192.0.2.7");
  });

  it("behind trusted proxies, is the rightmost X-Forwarded-For entry no trusted proxy wrote", () => {
    expect(behind(request("10.0.0.1", "198.51.100.1"))).toBe("198.51.100.1");
    expect(behind(request("::ffff:10.0.0.1", "198.51.100.1"))).toBe("198.51.100.1");
    expect(behind(request("::1", "2001:DB8::5"))).toBe("2001:db8::5");
    // a client's own forged entries come first: the proxy's appended one wins
    expect(behind(request("10.0.0.1", "203.0.113.9, 198.51.100.1"))).toBe("198.51.100.1");
    // two balancers in a row
    expect(behind(request("10.0.0.1", "198.51.100.1, 10.0.0.2"))).toBe("198.51.100.1");
    expect(behind(request("10.0.0.1", ["198.51.100.1", "10.0.0.2"]))).toBe("198.51.100.1");
  });

  it("is the proxy's when the header is missing or not an address", () => {
    expect(behind(request("10.0.0.1"))).toBe("10.0.0.1");
    expect(behind(request("10.0.0.1", "unknown"))).toBe("10.0.0.1");
    expect(behind(request("10.0.0.1", "junk, 10.0.0.2"))).toBe("10.0.0.2");
  });

  it("refuses a trusted proxy that is not an IP address", () => {
    expect(() => clientAddress(["balancer.internal"])).toThrow(RangeError);
  });
});

describe("per-address limits behind a load balancer", () => {
  const running: Coordinator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });

  /** Opens a socket that never authenticates; the upgrade's HTTP status (101 when admitted). */
  const connect = (url: string, forwarded: string) =>
    new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers: { "x-forwarded-for": forwarded } });
      ws.on("open", () => resolve(101));
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("error", () => {});
    });

  async function start(trustedProxies: string[]) {
    const c = await createCoordinator(
      {
        host: "127.0.0.1",
        port: 0,
        dbFile: ":memory:",
        apiKeys: ["fn_proxy"],
        verifyThreads: 0,
        endpoint: { maxUnauthenticatedPerAddress: 2 },
        trustedProxies,
      },
      { log: silentLogger },
    );
    running.push(c);
    return (await c.start()).wsUrl;
  }

  it("count each forwarded client apart when the balancer is trusted, else the balancer", async () => {
    const trusting = await start(["127.0.0.1"]);
    const apart = [];
    for (const client of ["198.51.100.1", "198.51.100.2", "198.51.100.3"])
      apart.push(await connect(trusting, client));
    expect(apart).toEqual([101, 101, 101]);
    const same = [];
    for (let i = 0; i < 3; i++) same.push(await connect(trusting, "203.0.113.9"));
    expect(same).toEqual([101, 101, 429]);

    const plain = await start([]);
    const ignored = [];
    for (const client of ["198.51.100.1", "198.51.100.2", "198.51.100.3"])
      ignored.push(await connect(plain, client));
    expect(ignored).toEqual([101, 101, 429]);
  });
});
