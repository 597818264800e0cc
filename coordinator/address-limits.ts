/**
 * Limits on what one network address may cost the coordinator before it has authenticated:
 * how many of its connections may be waiting for authentication at once, and how fast it may
 * open new ones (a token bucket per address: each handshake costs a signature check). A real
 * worker authenticates within a round trip and leaves the count at once; a NAT with many
 * workers needs only a burst at start. State is bounded: addresses with nothing pending and
 * a full bucket are forgotten by `prune()`.
 * @module
 */

/** The limits. */
export interface AddressLimitOptions {
  /** Most connections of one address waiting for authentication at once. */
  readonly maxUnauthenticatedPerAddress: number;
  /** Sustained new connections (handshakes) per second per address. */
  readonly handshakesPerSecond: number;
  /** Burst of new connections per address. */
  readonly handshakeBurst: number;
}

interface AddressState {
  unauthenticated: number;
  tokens: number;
  refilledAt: number;
}

/** Why a connection is refused (an HTTP status line), or undefined when it is admitted. */
export type Admission = "429 Too Many Requests" | undefined;

/** Per-address admission of unauthenticated connections. */
export class AddressLimits {
  private readonly addresses = new Map<string, AddressState>();

  constructor(
    private readonly opts: AddressLimitOptions,
    private readonly now: () => number,
  ) {}

  /** Admits a new connection from `address` (counted as unauthenticated), or refuses it. */
  admit(address: string): Admission {
    const now = this.now();
    let state = this.addresses.get(address);
    if (state === undefined) {
      state = { unauthenticated: 0, tokens: this.opts.handshakeBurst, refilledAt: now };
      this.addresses.set(address, state);
    }
    this.refill(state, now);
    if (state.unauthenticated >= this.opts.maxUnauthenticatedPerAddress || state.tokens < 1)
      return "429 Too Many Requests";
    state.tokens -= 1;
    state.unauthenticated += 1;
    return undefined;
  }

  /** A connection of `address` authenticated or closed before authenticating. */
  settled(address: string): void {
    const state = this.addresses.get(address);
    if (state !== undefined) state.unauthenticated = Math.max(0, state.unauthenticated - 1);
  }

  /** Connections waiting for authentication, over all addresses. */
  get unauthenticated(): number {
    let n = 0;
    for (const s of this.addresses.values()) n += s.unauthenticated;
    return n;
  }

  /** Forgets addresses with nothing pending and a full bucket. */
  prune(): void {
    const now = this.now();
    for (const [address, state] of this.addresses) {
      this.refill(state, now);
      if (state.unauthenticated === 0 && state.tokens >= this.opts.handshakeBurst)
        this.addresses.delete(address);
    }
  }

  private refill(state: AddressState, now: number): void {
    state.tokens = Math.min(
      this.opts.handshakeBurst,
      state.tokens + ((now - state.refilledAt) / 1000) * this.opts.handshakesPerSecond,
    );
    state.refilledAt = now;
  }
}
