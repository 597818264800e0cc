/**
 * Seals pending ledger entries into signed blocks: every `intervalMs`, or at once when
 * `maxPending` entries wait. Sealing is one store transaction (read pending, write the block,
 * delete pending), so a crash never loses or duplicates an entry.
 * @module
 */

import type { Logger } from "../common/log.js";
import { sealBlock } from "../ledger/blocks.js";
import type { Identity } from "../protocol/identity.js";
import type { Store, StoredBlock } from "./store/store.js";

/** When blocks are sealed. */
export interface SealerOptions {
  readonly intervalMs: number;
  /** Pending entries that trigger a seal right away (and the most in one block). */
  readonly maxPending: number;
}

/** Defaults: a block every 5 s, or at 500 pending entries. */
export const DEFAULT_SEALER_OPTIONS: SealerOptions = { intervalMs: 5_000, maxPending: 500 };

/** The block producer. */
export class LedgerSealer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly opts: SealerOptions,
    private readonly deps: {
      store: Store;
      identity: Identity;
      now: () => number;
      log: Logger;
      onSealed?: (block: StoredBlock) => void;
    },
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sealAll(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Seals now if enough entries wait. */
  poke(): void {
    if (this.deps.store.pendingEntries() >= this.opts.maxPending) this.sealAll();
  }

  /** Seals every pending entry (in blocks of at most maxPending); returns the new blocks. */
  sealAll(): StoredBlock[] {
    const sealed: StoredBlock[] = [];
    for (;;) {
      const block = this.deps.store.sealPending(this.opts.maxPending, (entries, prev) => {
        const b = sealBlock(
          entries,
          prev,
          Math.max(this.deps.now(), prev === undefined ? 0 : this.lastTimestamp(prev.height)),
          this.deps.identity,
        );
        return {
          height: b.header.height,
          hash: b.hash,
          headerBytes: b.headerBytes,
          signature: b.signature,
          timestamp: b.header.timestamp,
          entries: [...entries],
        };
      });
      if (block === undefined) return sealed;
      sealed.push(block);
      this.deps.log.info("block sealed", { height: block.height, entries: block.entries.length });
      this.deps.onSealed?.(block);
    }
  }

  /** Timestamp of a stored block (blocks never go back in time, even if the clock does). */
  private lastTimestamp(height: number): number {
    return this.deps.store.listBlocks(height, 1)[0]?.timestamp ?? 0;
  }
}
