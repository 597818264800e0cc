import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { verifyChain } from "../../ledger/verify-chain.js";
import { foldEnergy } from "../../sim/fold.js";
import { type Assertion, runScenario } from "./scenario.js";

/** Honest volunteers' results are all accepted, apart from stale ones. */
const honestAccepted: Assertion = ({ volunteers }) => {
  for (const v of volunteers.filter((x) => x.behaviour === "honest")) {
    expect(v.verdicts.length).toBeGreaterThan(0);
    for (const verdict of v.verdicts)
      expect(verdict.accepted || verdict.code === "RESULT_ERROR_STALE").toBe(true);
    expect(v.banned).toBe(false);
  }
};

/** Cheaters never earn, and each was refused with its own code until its key was banned. */
const cheatersCaught: Assertion = async ({ volunteers, coordinator }) => {
  const codes = {
    skipper: "RESULT_ERROR_WORK_MISMATCH",
    liar: "RESULT_ERROR_ENERGY_MISMATCH",
    forger: "RESULT_ERROR_BAD_SIGNATURE",
  } as const;
  for (const v of volunteers.filter((x) => x.behaviour !== "honest")) {
    expect((await coordinator.store.account(v.key)).balance).toBe(0n);
    expect(v.verdicts.some((x) => x.code === codes[v.behaviour as keyof typeof codes])).toBe(true);
    for (const verdict of v.verdicts) {
      expect(verdict.accepted).toBe(false);
      if (verdict.code !== "RESULT_ERROR_STALE")
        expect(verdict.code).toBe(codes[v.behaviour as keyof typeof codes]);
    }
    if (v.verdicts.filter((x) => x.code !== "RESULT_ERROR_STALE").length >= 3)
      expect(v.banned).toBe(true);
  }
};

/** The exported ledger verifies, and its balances are the coordinator's. */
const ledgerAgrees: Assertion = async ({ address, coordinator, volunteers }) => {
  const chain = new Uint8Array(
    await (await fetch(`${address.url}/api/ledger/export`)).arrayBuffer(),
  );
  const summary = verifyChain(chain, coordinator.identity.publicKey);
  const accepted = volunteers.flatMap((v) => v.verdicts.filter((x) => x.accepted));
  expect(summary.workEntries).toBe(accepted.length);
  for (const v of volunteers)
    expect(summary.balances.get(v.key) ?? 0n).toBe(
      (await coordinator.store.account(v.key)).balance,
    );
  expect(summary.issued).toBe(accepted.reduce((sum, x) => sum + x.reward, 0n));
};

/** The job's best is a real fold and the best of what was accepted. */
const jobBestIsReal: Assertion = async ({ coordinator, job }) => {
  const units = (await coordinator.store.listUnits(job.id)).filter((u) => u.result !== null);
  const current = (await coordinator.store.getJob(job.id))!;
  expect(current.bestFold).not.toBeNull();
  expect(foldEnergy(job.sequence, current.bestFold!, job.lattice)).toBe(current.bestEnergy);
  expect(Math.min(...units.map((u) => u.result!.bestEnergy))).toBe(current.bestEnergy);
  expect(new Set(units.map((u) => u.result!.workerKey))).not.toContain(
    bytesToHex(new Uint8Array(32)),
  );
};

describe("scenario: a mixed population of volunteers on one job", () => {
  it("pays the honest, catches and bans every kind of cheater, and keeps a ledger that verifies", async () => {
    await runScenario(
      {
        population: { honest: 3, skipper: 2, liar: 1, forger: 1 },
        job: {
          sequence: "HPHPPHHPHPPHPHHPPHPHHPPH",
          steps: 24 * 65_536,
          trajectories: 8,
          unitSteps: 65_536,
        },
        maxUnitsEach: 8,
      },
      [honestAccepted, cheatersCaught, ledgerAgrees, jobBestIsReal],
    );
  });
});
