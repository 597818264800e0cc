import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FoldnetError } from "../../../common/errors.js";
import { sealBlock } from "../../../ledger/blocks.js";
import { encodeChainFile } from "../../../ledger/chain-file.js";
import { decodeEntry, encodeEntry } from "../../../ledger/entries.js";
import { HALVING_WORK, rewardFor } from "../../../ledger/rewards.js";
import {
  expectHead,
  LedgerState,
  transferProblem,
  verifyChain,
} from "../../../ledger/verify-chain.js";
import { networkId } from "../../../protocol/canonical.js";
import { generateIdentity, type Identity, sign } from "../../../protocol/identity.js";
import { foldEnergy } from "../../../sim/fold.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { FOLD, signedTransfer, workEntry } from "../../helpers/ledger.js";

const producer = generateIdentity();
const alice = generateIdentity();
const bob = generateIdentity();
/** A work entry of unit `unit` of job j1 with the reward the rules give it after `state`. */
const work = (state: LedgerState, worker: Identity, unit: number, bestEnergy = -9, fold = FOLD) =>
  workEntry(state, { jobId: "j1", unitId: `j1.t0.g${unit}`, worker, bestEnergy, fold });
/** A transfer signed for the producer's network. */
const transfer = (
  state: LedgerState,
  from: Identity,
  to: Identity,
  amount: bigint,
  nonce?: bigint,
) => signedTransfer(state, producer.publicKey, from, to, amount, nonce);
const NETWORK = networkId(producer.publicKey);

/** A three-block chain: work for alice and bob, a transfer alice → bob. */
function buildChain() {
  const state = new LedgerState();
  const blocks: { entries: Uint8Array[] }[] = [
    { entries: [work(state, alice, 0), work(state, bob, 1)].map(encodeEntry) },
    { entries: [work(state, alice, 2)].map(encodeEntry) },
  ];
  const t = transfer(state, alice, bob, 1000n);
  expect(transferProblem(state, t, NETWORK)).toBeUndefined();
  state.transfer(t);
  blocks.push({ entries: [encodeEntry(t), encodeEntry(work(state, bob, 3))] });
  let prev: { height: number; hash: Uint8Array } | undefined;
  const sealed = blocks.map((b, i) => {
    const s = sealBlock(b.entries, prev, 10_000 + i, producer);
    prev = { height: s.header.height, hash: s.hash };
    return {
      headerBytes: s.headerBytes,
      signature: s.signature,
      entries: s.entries as Uint8Array[],
    };
  });
  return { state, file: encodeChainFile({ producer: producer.publicKey, blocks: sealed }), sealed };
}

describe("ledger: export and re-verification", () => {
  it("verifies a chain and computes balances equal to rewards plus transfers", () => {
    const { state, file } = buildChain();
    const summary = verifyChain(file, producer.publicKey);
    expect(summary.blocks).toBe(3);
    expect(summary.entries).toBe(5);
    expect(summary.workEntries).toBe(4);
    expect(summary.transfers).toBe(1);
    for (const who of [alice, bob]) {
      const key = bytesToHex(who.publicKey);
      expect(summary.balances.get(key)).toBe(state.balance(key));
    }
    const total = [...summary.balances.values()].reduce((a, b) => a + b, 0n);
    expect(total).toBe(summary.issued);
  });

  it("names the block holding any single changed byte (property over positions)", () => {
    const { file, sealed } = buildChain();
    // byte ranges of each block in the file: walk the layout of ledger/chain-file.ts
    const headerEnd = "foldnet/v1/ledger-export".length + 1 + 32 + 4;
    const ranges: [number, number][] = [];
    let at = headerEnd;
    for (const b of sealed) {
      const start = at;
      at += 4 + b.headerBytes.length + 64 + 4 + b.entries.reduce((s, e) => s + 4 + e.length, 0);
      ranges.push([start, at]);
    }
    expect(at).toBe(file.length);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: file.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (pos, xor) => {
          const bad = Uint8Array.from(file);
          bad[pos]! ^= xor;
          let caught: unknown;
          try {
            verifyChain(bad, producer.publicKey);
          } catch (err) {
            caught = err;
          }
          expect(caught).toBeInstanceOf(FoldnetError);
          const block = ranges.findIndex(([s, e]) => pos >= s && pos < e);
          if (block >= 0)
            expect(
              (caught as FoldnetError<{ code: string; block: number | null }>).type.block,
            ).toBe(block);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("refuses a wrong producer, a reward that is not the rule's, a bad fold and a unit rewarded twice", async () => {
    const other = generateIdentity();
    await expectFoldnetError(() => verifyChain(buildChain().file, other.publicKey), {
      code: "LEDGER_ERROR_WRONG_PRODUCER",
    });
    const seal = (entries: Uint8Array[]) => {
      const s = sealBlock(entries, undefined, 1, producer);
      return encodeChainFile({
        producer: producer.publicKey,
        blocks: [{ headerBytes: s.headerBytes, signature: s.signature, entries }],
      });
    };
    const state = new LedgerState();
    const greedy = { ...work(state, alice, 0), reward: 10n ** 12n };
    await expectFoldnetError(() => verifyChain(seal([encodeEntry(greedy)])), {
      code: "LEDGER_ERROR_BAD_REWARD",
      block: 0,
      entry: 0,
    });
    const lying = work(new LedgerState(), alice, 0, -10);
    await expectFoldnetError(() => verifyChain(seal([encodeEntry(lying)])), {
      code: "LEDGER_ERROR_BAD_FOLD",
      block: 0,
      entry: 0,
    });
    const twice = new LedgerState();
    const first = work(twice, alice, 0);
    const again = work(twice, bob, 0);
    await expectFoldnetError(() => verifyChain(seal([encodeEntry(first), encodeEntry(again)])), {
      code: "LEDGER_ERROR_DUPLICATE_UNIT",
      entry: 1,
    });
  });

  it("records a work entry's model in the lattice byte's high bits and verifies its energy", async () => {
    const seq = "MKVLAAGIVGLLLAACSSEK";
    const energy = foldEnergy(seq, FOLD, "square2d", "fold", "mj");
    const state = new LedgerState();
    const hp = work(state, alice, 0);
    const mj = { ...work(state, bob, 1, energy), sequence: seq, model: "mj" as const };
    expect(decodeEntry(encodeEntry(mj))).toEqual(mj);
    expect(decodeEntry(encodeEntry(hp))).not.toHaveProperty("model");
    // the byte after the sequence: lattice 0, model 1 (HP entries keep the lattice code alone)
    const bytes = encodeEntry(mj);
    const hpBytes = encodeEntry({ ...mj, model: "hp" });
    const diff = bytes.findIndex((b, i) => b !== hpBytes[i]);
    expect([bytes[diff], hpBytes[diff]]).toEqual([0x10, 0x00]);
    const chain = (entries: Uint8Array[]) => {
      const s = sealBlock(entries, undefined, 10_000, producer);
      return encodeChainFile({
        producer: producer.publicKey,
        blocks: [{ headerBytes: s.headerBytes, signature: s.signature, entries }],
      });
    };
    expect(verifyChain(chain([hp, mj].map(encodeEntry)), producer.publicKey).workEntries).toBe(2);
    // the same entry claimed as HP: its amino acids are no HP sequence
    await expectFoldnetError(
      () =>
        verifyChain(
          chain([hp, { ...mj, model: "hp" as const }].map(encodeEntry)),
          producer.publicKey,
        ),
      { code: "LEDGER_ERROR_BAD_FOLD" },
    );
  });

  it("refuses a transfer signed for another network (another producer key)", () => {
    const state = new LedgerState();
    work(state, alice, 0);
    const t = transfer(state, alice, bob, 10n); // signed for producer's network
    expect(transferProblem(state, t, NETWORK)).toBeUndefined();
    expect(transferProblem(state, t, networkId(generateIdentity().publicKey))?.code).toBe(
      "LEDGER_ERROR_BAD_TRANSFER_SIGNATURE",
    );
  });

  it("fails a chain with its last block cut off against the pinned head", async () => {
    const { sealed } = buildChain();
    const whole = verifyChain(encodeChainFile({ producer: producer.publicKey, blocks: sealed }));
    expectHead(whole, whole.headHash!.toUpperCase());
    const cut = encodeChainFile({ producer: producer.publicKey, blocks: sealed.slice(0, 2) });
    const summary = verifyChain(cut, producer.publicKey); // valid on its own …
    expect(summary.blocks).toBe(2);
    await expectFoldnetError(() => expectHead(summary, whole.headHash!), {
      code: "LEDGER_ERROR_HEAD_MISMATCH",
      block: 1,
    }); // … but not the chain its reader expects
  });

  it("refuses transfers that overdraw, reuse a nonce or are signed by someone else", () => {
    const state = new LedgerState();
    work(state, alice, 0);
    const balance = state.balance(bytesToHex(alice.publicKey));
    expect(transferProblem(state, transfer(state, alice, bob, balance + 1n), NETWORK)?.code).toBe(
      "LEDGER_ERROR_OVERDRAFT",
    );
    expect(transferProblem(state, transfer(state, bob, alice, 1n), NETWORK)?.code).toBe(
      "LEDGER_ERROR_OVERDRAFT",
    );
    // a transfer of 0 is not an overdraft: it is refused for its amount
    expect(transferProblem(state, transfer(state, alice, bob, 0n), NETWORK)?.code).toBe(
      "LEDGER_ERROR_BAD_AMOUNT",
    );
    const ok = transfer(state, alice, bob, 10n);
    expect(transferProblem(state, ok, NETWORK)).toBeUndefined();
    state.transfer(ok);
    expect(transferProblem(state, ok, NETWORK)?.code).toBe("LEDGER_ERROR_BAD_NONCE");
    const forged = {
      ...transfer(state, alice, bob, 10n),
      signature: sign(bob.secretKey, new Uint8Array(8)),
    };
    expect(transferProblem(state, forged, NETWORK)?.code).toBe(
      "LEDGER_ERROR_BAD_TRANSFER_SIGNATURE",
    );
  });
});

describe("rewards", () => {
  const input = {
    steps: 1_000_000,
    length: 64,
    workBefore: 0n,
    previousBest: -30,
    bestEnergy: -30,
    issuedAt: 0,
    deadline: 100_000,
    acceptedAt: 90_000,
  };
  it("pays work × rate, halving every HALVING_WORK", () => {
    const r0 = rewardFor(input);
    expect(r0.work).toBe(64_000_000n);
    expect(r0.base).toBe(64_000n);
    expect(r0.bonus).toBe(0n);
    expect(rewardFor({ ...input, workBefore: HALVING_WORK }).base).toBe(32_000n);
    expect(rewardFor({ ...input, workBefore: 3n * HALVING_WORK }).base).toBe(8_000n);
    expect(rewardFor({ ...input, workBefore: 64n * HALVING_WORK }).reward).toBe(0n);
  });
  it("adds 10% per energy unit of improvement (at most 50%) and 10% for a quick return", () => {
    expect(rewardFor({ ...input, bestEnergy: -32 }).bonus).toBe(12_800n);
    expect(rewardFor({ ...input, bestEnergy: -40 }).bonus).toBe(32_000n);
    expect(rewardFor({ ...input, acceptedAt: 50_000 }).bonus).toBe(6_400n);
  });
});
