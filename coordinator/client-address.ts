/**
 * The address a request comes from, for the per-address limits (worker handshakes, event
 * streams). Behind a load balancer every connection comes from the balancer; when its address
 * is trusted (`foldnet coordinator --trusted-proxy ADDR`), the client's address is taken from
 * `X-Forwarded-For`, read from the right: each proxy appends the address it saw, so the
 * rightmost entry not itself a trusted proxy is the one nobody could forge. Anyone else's
 * `X-Forwarded-For` is ignored.
 * @module
 */
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** How the coordinator names the address of a request. */
export type AddressOf = (req: IncomingMessage) => string;

/** `::ffff:10.0.0.1` and `10.0.0.1` are one IPv4 address. */
function canonical(address: string): string {
  return address.startsWith("::ffff:") && isIP(address.slice(7)) === 4
    ? address.slice(7)
    : address.toLowerCase();
}

/**
 * The address function for a set of trusted proxies (IPv4 or IPv6 addresses).
 * @throws {RangeError} for an entry that is not an IP address.
 */
export function clientAddress(trustedProxies: readonly string[]): AddressOf {
  for (const p of trustedProxies)
    if (isIP(p) === 0) throw new RangeError(`not an IP address: ${p}`);
  const trusted = new Set(trustedProxies.map(canonical));
  return (req) => {
    let address = canonical(req.socket.remoteAddress ?? "");
    if (!trusted.has(address)) return address;
    const header = req.headers["x-forwarded-for"];
    const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",");
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = canonical(hops[i]!.trim());
      if (isIP(hop) === 0) return address; // garbage after this point cannot be trusted
      address = hop;
      if (!trusted.has(hop)) return hop;
    }
    return address;
  };
}
