import { mkdtemp, readdir, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bytesToHex } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLineLogger } from "../../../common/log.js";
import { resultCommitPayload } from "../../../protocol/canonical.js";
import { generateIdentity, verifySignature } from "../../../protocol/identity.js";
import { canonicalStateBytes, MAX_STATE_BYTES } from "../../../protocol/limits.js";
import { verifyMerkleProof } from "../../../protocol/merkle.js";
import { stateHash } from "../../../sim/state-codec.js";
import { replaySegment } from "../../../sim/work-unit.js";
import { buildOpenings, commitFields, sealResult } from "../../../worker/result.js";
import {
  CORRUPT_SUFFIX,
  decodeSpooled,
  encodeSpooled,
  Spool,
  type SpooledResult,
} from "../../../worker/spool.js";
import { LOCK_FILE } from "../../../worker/spool-lock.js";
import { DEFAULT_MAX_UNIT_SPOOL_BYTES, unitSpoolBytes } from "../../../worker/spool-size.js";
import { anchorStrideFor, MAX_ANCHORS, runUnit } from "../../../worker/unit-task.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { hex, SMALL_UNIT } from "./fixtures/unit.js";

const identity = generateIdentity();
const output = runUnit(SMALL_UNIT);

function sealed(idByte: number): SpooledResult {
  return sealResult(
    {
      ...SMALL_UNIT,
      assignmentId: new Uint8Array(16).fill(idByte),
      unitId: `unit-${idByte}`,
      jobId: "job-1",
      deadlineMs: 1_700_000_000_000,
    },
    output,
    identity.secretKey,
    1_700_000_000_123,
  );
}

function expectSameResult(a: SpooledResult, b: SpooledResult): void {
  expect(encodeSpooled(a)).toBe(encodeSpooled(b));
}

let dir: string;
let logged: string[];
let spool: Spool;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "foldnet-spool-"));
  logged = [];
  spool = new Spool(dir, {
    log: createLineLogger((l) => logged.push(l)),
    publicKey: identity.publicKey,
  });
  await spool.open();
});
afterEach(async () => {
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the spool", () => {
  it("round-trips a result through a file, and removes it", async () => {
    const r = sealed(1);
    await spool.save(r);
    expect(await spool.ids()).toEqual([bytesToHex(r.assignmentId)]);
    const loaded = await spool.load(bytesToHex(r.assignmentId));
    expect(loaded).toBeDefined();
    expectSameResult(loaded!, r);
    expect(await new Spool(dir).list()).toHaveLength(1);
    expect(await spool.remove(bytesToHex(r.assignmentId))).toBe(true);
    expect(await spool.remove(bytesToHex(r.assignmentId))).toBe(false);
    expect(await spool.ids()).toEqual([]);
    expect(await spool.load(bytesToHex(r.assignmentId))).toBeUndefined();
  });

  it("leaves no temp file behind and overwrites an entry of the same assignment", async () => {
    await spool.save(sealed(2));
    await spool.save(sealed(2));
    expect((await readdir(dir)).sort()).toEqual([`${"02".repeat(16)}.json`, "lock"]);
  });

  it("deletes temp files of a crash mid-write on open, keeping the good results", async () => {
    await spool.save(sealed(3));
    const leftover = `.${"04".repeat(16)}.json.tmp-999-0`;
    await writeFile(join(dir, leftover), encodeSpooled(sealed(4)).slice(0, 100));
    expect(await spool.ids()).toEqual(["03".repeat(16)]);
    await spool.close();
    await spool.open();
    expect((await readdir(dir)).sort()).toEqual([`${"03".repeat(16)}.json`, "lock"]);
    expect(await spool.list()).toHaveLength(1);
  });

  it("quarantines a truncated file, logs it, and keeps the good ones", async () => {
    await spool.save(sealed(5));
    await spool.save(sealed(6));
    const bad = join(dir, `${"06".repeat(16)}.json`);
    await truncate(bad, 200);
    const list = await spool.list();
    expect(list.map((r) => r.unitId)).toEqual(["unit-5"]);
    const names = await readdir(dir);
    expect(names.filter((n) => n.endsWith(CORRUPT_SUFFIX))).toHaveLength(1);
    expect(names).toContain(`${"05".repeat(16)}.json`);
    expect(logged.some((l) => l.includes("quarantined"))).toBe(true);
    // Quarantined files are not listed again.
    expect((await spool.list()).map((r) => r.unitId)).toEqual(["unit-5"]);
  });

  it("catches a damaged state through the Merkle root", async () => {
    const r = sealed(7);
    const json = JSON.parse(encodeSpooled(r));
    const state = Buffer.from(json.anchorStates[2], "base64");
    state[state.length - 1]! ^= 1;
    json.anchorStates[2] = state.toString("base64");
    await writeFile(join(dir, `${"07".repeat(16)}.json`), JSON.stringify(json));
    expect(await spool.list()).toEqual([]);
    const files = (await readdir(dir)).filter((n) => n !== LOCK_FILE);
    expect(files.every((n) => n.endsWith(CORRUPT_SUFFIX))).toBe(true);
  });

  it("quarantines a result whose signature does not verify", async () => {
    const r = { ...sealed(12), bestEnergy: sealed(12).bestEnergy - 1 };
    await writeFile(join(dir, `${"0c".repeat(16)}.json`), encodeSpooled(r));
    expect(await spool.list()).toEqual([]);
    expect(logged.some((l) => l.includes("signature"))).toBe(true);
  });

  it("ignores files that are not results", async () => {
    await writeFile(join(dir, "notes.txt"), "hello");
    await writeFile(join(dir, "abc.json"), "{}");
    expect(await spool.list()).toEqual([]);
  });

  it("rejects any truncation, and any change to a field the coordinator sees", () => {
    const original = sealed(8);
    const text = encodeSpooled(original);
    const signed = (r: SpooledResult) =>
      Object.entries(commitFields(r)).map(
        ([k, v]) => `${k}=${v instanceof Uint8Array ? hex(v) : v}`,
      );
    fc.assert(
      fc.property(
        fc.nat({ max: text.length - 1 }),
        fc.option(fc.integer({ min: 32, max: 126 }), { nil: undefined }),
        (at, replacement) => {
          const damaged =
            replacement === undefined
              ? text.slice(0, at)
              : text.slice(0, at) + String.fromCharCode(replacement) + text.slice(at + 1);
          let decoded: SpooledResult;
          try {
            decoded = decodeSpooled(damaged, identity.publicKey);
          } catch (err) {
            expect(err).toBeInstanceOf(Error);
            return;
          }
          // Still decodes: only an unsigned field (jobId, deadlineMs, finishedAtMs) changed.
          expect(replacement).toBeDefined();
          expect(signed(decoded)).toEqual(signed(original));
          expect(decoded.anchorStates.map(hex)).toEqual(original.anchorStates.map(hex));
          expect(decoded.leaves.map(hex)).toEqual(original.leaves.map(hex));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("reports I/O failures as WORKER_ERROR_SPOOL_IO", async () => {
    const file = join(dir, "a-file");
    await writeFile(file, "");
    await expectFoldnetError(new Spool(join(file, "sub")).open(), {
      code: "WORKER_ERROR_SPOOL_IO",
      op: "mkdir",
    });
  });
});

describe("a spooled result", () => {
  it("carries a valid signature over the commit payload", async () => {
    await spool.save(sealed(9));
    const r = (await spool.list())[0]!;
    const c = commitFields(r);
    expect(hex(c.finalStateHash)).toBe(hex(output.leaves.at(-1)!));
    expect(verifySignature(identity.publicKey, resultCommitPayload(c), c.signature)).toBe(true);
  });

  it("opens every segment with proofs that verify against the committed root", async () => {
    await spool.save(sealed(10));
    const r = (await new Spool(dir).list())[0]!;
    const segments = r.steps / r.checkpointInterval;
    const leafCount = segments + 1;
    const openings = buildOpenings(
      r,
      Array.from({ length: segments }, (_, j) => j),
    );
    expect(openings).toHaveLength(segments);
    for (const o of openings) {
      const { segment: j } = o;
      const startLeaf = stateHash(o.state);
      expect(verifyMerkleProof(r.merkleRoot, startLeaf, j, leafCount, o.startProof)).toBe(true);
      expect(verifyMerkleProof(r.merkleRoot, o.endLeaf, j + 1, leafCount, o.endProof)).toBe(true);
      // The coordinator's check: replaying the opened segment reaches the end leaf.
      expect(hex(replaySegment(o.state, r.checkpointInterval))).toBe(hex(o.endLeaf));
    }
    expect(hex(openings[0]!.state)).toBe(hex(SMALL_UNIT.startState));
  });

  it("opens segments between kept states by replaying from the nearest one (stride > 1)", async () => {
    const unit = {
      startState: SMALL_UNIT.startState,
      steps: 3 * MAX_ANCHORS,
      checkpointInterval: 1,
    };
    const big = sealResult(
      {
        ...unit,
        assignmentId: new Uint8Array(16).fill(13),
        unitId: "u",
        jobId: "j",
        deadlineMs: 0,
      },
      runUnit(unit),
      identity.secretKey,
      0,
    );
    expect(big.anchorStride).toBe(3);
    await spool.save(big);
    const r = (await spool.list())[0]!;
    const leafCount = unit.steps + 1;
    for (const o of buildOpenings(r, [0, 1, 2, 3, 4, 3 * MAX_ANCHORS - 1])) {
      expect(hex(stateHash(o.state))).toBe(hex(big.leaves[o.segment]!));
      expect(verifyMerkleProof(r.merkleRoot, o.endLeaf, o.segment + 1, leafCount, o.endProof)).toBe(
        true,
      );
      expect(hex(replaySegment(o.state, 1))).toBe(hex(o.endLeaf));
    }
  });

  it("refuses to open a segment it does not have", async () => {
    await expectFoldnetError(() => buildOpenings(sealed(11), [4]), {
      code: "WORKER_ERROR_BAD_CHALLENGE",
      segment: 4,
      segments: 4,
    });
  });
});

describe("a unit's spool bound", () => {
  const unit = (steps: number, checkpointInterval: number, stateBytes: number) => {
    const a = { steps, checkpointInterval, startState: new Uint8Array(stateBytes) };
    return unitSpoolBytes(a, anchorStrideFor(steps / checkpointInterval));
  };

  it("counts leaves and kept states (not one state per segment), base64, result and checkpoint", () => {
    // 2 × 4/3 × (32 × (L + 1) + (⌈L/S⌉ + 1) × state) at L = 131,072, S = 32.
    const state = canonicalStateBytes(64, 8);
    expect(unit(2 ** 32, 32_768, state)).toBe(
      2 * Math.ceil(((32 * 131_073 + (MAX_ANCHORS + 1) * state) * 4) / 3),
    );
  });

  it("lets a default unit of a 64-mer through the default bound", () => {
    expect(unit(2 ** 32, 32_768, canonicalStateBytes(64, 8))).toBeLessThan(
      DEFAULT_MAX_UNIT_SPOOL_BYTES,
    );
  });

  it("still refuses a unit that needs too much: the largest states at 131,072 segments", () => {
    expect(unit(2 ** 34, 131_072, MAX_STATE_BYTES)).toBeGreaterThan(DEFAULT_MAX_UNIT_SPOOL_BYTES);
  });
});
