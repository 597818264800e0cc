/**
 * Seals pending ledger entries into signed blocks: every `intervalMs`, or at once when
 * `maxPending` entries wait. Sealing is one store transaction (read pending, write the block,
 * delete pending), so a crash never loses or duplicates an entry.
 * @module
 */

import type { Logger } from "../common/log.js";
import { sealBlock } from "../ledger/blocks.js";
import type { Identity } from "../protocol/identity.js";
import type { ChainHead, Store, StoredBlock } from "./store/store.js";

/** When blocks are sealed. */
export interface SealerOptions {
  readonly intervalMs: number;
  /** Pending entries that trigger a seal right away (and the most in one block). */
  readonly maxPending: number;
}

/** Defaults: a block every 5 s, or at 500 pending entries. */
export const DEFAULT_SEALER_OPTIONS: SealerOptions = { intervalMs: 5_000, maxPending: 500 };

/** The next block of `entries` after `prev`, signed by `identity`, as the store keeps it. */
export function storedBlock(
  entries: Uint8Array[],
  prev: ChainHead | undefined,
  now: number,
  identity: Identity,
): StoredBlock {
  // blocks never go back in time, even if the clock does
  const b = sealBlock(entries, prev, Math.max(now, prev?.timestamp ?? 0), identity);
  return {
    height: b.header.height,
    hash: b.hash,
    headerBytes: b.headerBytes,
    signature: b.signature,
    timestamp: b.header.timestamp,
    entries: [...entries],
  };
}

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
      /** True while this coordinator is the network's one sealer (always, alone). */
      isSealer: () => boolean;
      onSealed?: (block: StoredBlock) => void;
    },
  ) {}

  /** The pass sealing now, if one runs (passes never overlap). */
  private sealing: Promise<StoredBlock[]> | undefined;

  start(): void {
    this.timer = setInterval(() => this.sealInBackground(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Seals now if enough entries wait. */
  poke(): void {
    this.deps.store.pendingEntries().then((pending) => {
      if (pending >= this.opts.maxPending) this.sealInBackground();
    }, this.failed);
  }

  /** Seals every pending entry (in blocks of at most maxPending); resolves to the new blocks. */
  sealAll(): Promise<StoredBlock[]> {
    this.sealing ??= this.sealPasses().finally(() => {
      this.sealing = undefined;
    });
    return this.sealing;
  }

  private sealInBackground(): void {
    this.sealAll().catch(this.failed);
  }

  private readonly failed = (error: unknown) =>
    this.deps.log.warn("sealing failed; retried at the next interval", { error: `${error}` });

  private async sealPasses(): Promise<StoredBlock[]> {
    const sealed: StoredBlock[] = [];
    while (this.deps.isSealer()) {
      const block = await this.deps.store.sealPending(this.opts.maxPending, (entries, prev) =>
        storedBlock(entries, prev, this.deps.now(), this.deps.identity),
      );
      if (block === undefined) return sealed;
      sealed.push(block);
      this.deps.log.info("block sealed", { height: block.height, entries: block.entries.length });
      this.deps.onSealed?.(block);
    }
    return sealed;
  }
}
