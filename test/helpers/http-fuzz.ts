/**
 * Hostile HTTP for fuzz tests: a seeded generator of random and mutated request heads (plain
 * and WebSocket upgrade) and a raw-socket client that sends one and reports how it ended
 * (answered with a status, closed without one, or left hanging).
 * @module
 */
import { connect } from "node:net";

/** A small seeded PRNG (mulberry32): the same seed gives the same requests. */
export function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const METHODS = [
  "GET",
  "POST",
  "HEAD",
  "PUT",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "CONNECT",
  "TRACE",
  "G\u0000T",
  "get",
  "X".repeat(40),
];
const PATHS = [
  "/",
  "/ws",
  "/api",
  "/api/status",
  "/api/jobs",
  "/api/jobs/jx/units",
  "/api/jobs/jx/result.pdb",
  "/api/workers",
  "/api/ledger/export",
  "/api/ledger/blocks?limit=-1",
  "/api/ledger/balances",
  "/api/events",
  "/metrics",
  "/app.js",
  "/../../etc/passwd",
  "/%2e%2e/%2e%2e/etc/passwd",
];
/** Targets that once reached a URL parser outside its error handling, and their kin. */
const HOSTILE_TARGETS = [
  "//",
  "///",
  "//a:b@[x",
  "http://[::1",
  "http://x:99999/",
  "*",
  "",
  "?",
  "#",
  "%",
  "/%",
  "/%zz",
  "/\u00ff",
  "//evil.example/ws",
  "/ws?%",
  "ws://localhost/ws",
  "@",
  ":",
  "[",
  "\\\\x",
  `/${"a".repeat(9000)}`,
  "/api/jobs/%00",
  "/api/ledger/export?from=1e309",
];
const HEADERS = [
  "Host: localhost",
  "Content-Type: application/json",
  "Authorization: Bearer x",
  "Content-Length: 0",
  "Content-Length: 5",
  "Content-Length: -1",
  "Content-Length: 1e3",
  "Transfer-Encoding: chunked",
  "Transfer-Encoding: gzip, chunked",
  "Connection: keep-alive",
  "Connection: close",
  "Accept: */*",
  "Expect: 100-continue",
  `Cookie: ${"c".repeat(2000)}`,
  "X-Forwarded-For: 1.2.3.4",
  "Host:",
  ": empty",
  "Bad Header: x",
  "Sec-WebSocket-Version: 99",
];
const UPGRADE = [
  "Connection: Upgrade",
  "Upgrade: websocket",
  "Sec-WebSocket-Version: 13",
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
];

/** One request head (and maybe a body) as bytes. */
export function fuzzRequest(random: (n: number) => number): Buffer {
  const pick = <T>(xs: readonly T[]) => xs[random(xs.length)] as T;
  const method = random(4) === 0 ? pick(METHODS) : "GET";
  const target = random(3) === 0 ? pick(HOSTILE_TARGETS) : pick(PATHS);
  const version =
    random(10) === 0 ? pick(["HTTP/1.0", "HTTP/2.0", "HTTP/1.1x", "", "HTTP/9"]) : "HTTP/1.1";
  const lines = [`${method} ${target} ${version}`.trimEnd()];
  if (random(2) === 0) lines.push(...UPGRADE.filter(() => random(6) !== 0));
  for (let i = random(4); i > 0; i--) lines.push(pick(HEADERS));
  let head = `${lines.join("\r\n")}\r\n\r\n`;
  if (random(3) === 0)
    head += pick(["{}", '{"sequence":"HPH"}', "0\r\n\r\n", "x".repeat(100), "\u0000\u0001"]);
  const bytes = Buffer.from(head, "latin1");
  // mutations: flipped, inserted and deleted bytes anywhere in the request
  for (let i = random(2) === 0 ? random(4) : 0; i > 0; i--) {
    const at = random(bytes.length);
    bytes[at] = random(2) === 0 ? random(256) : pick([0, 10, 13, 32, 37, 47, 58, 63, 91, 127]);
  }
  return bytes;
}

/** How a raw request ended. */
export type Outcome = { readonly status: number } | "closed" | "hung";

/** Sends raw bytes on a new connection, half-closes it, and waits for the answer or the close. */
export function sendRaw(port: number, bytes: Uint8Array, timeoutMs = 10_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let first = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("hung");
    }, timeoutMs);
    socket.on("data", (d: Buffer) => {
      if (first.length < 16) first += d.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(first);
      resolve(m === null ? "closed" : { status: Number(m[1]) });
    });
    socket.end(bytes);
  });
}
