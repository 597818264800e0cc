/**
 * The ledger's records as the store keeps them: what an accepted result credits, a key's
 * account, a sealed block and the chain's head (re-exported by store.ts).
 * @module
 */

/** The ledger entry an accepted result appends, and what it credits. */
export interface LedgerCredit {
  /** Canonical bytes of the work entry (ledger/entries.ts). */
  readonly entry: Uint8Array;
  readonly reward: bigint;
  /** Work units (steps × residues) the entry records. */
  readonly work: bigint;
}

/** A key's account on the ledger (sealed and pending entries). */
export interface Account {
  readonly key: string;
  readonly balance: bigint;
  /** Transfers sent so far (the next must carry nonce + 1). */
  readonly nonce: bigint;
}

/** A sealed block as stored. */
export interface StoredBlock {
  readonly height: number;
  readonly hash: Uint8Array;
  readonly headerBytes: Uint8Array;
  readonly signature: Uint8Array;
  readonly timestamp: number;
  readonly entries: Uint8Array[];
}

/** The newest block. */
export interface ChainHead {
  readonly height: number;
  readonly hash: Uint8Array;
  /** Its timestamp: the next block's is never earlier. */
  readonly timestamp: number;
}
