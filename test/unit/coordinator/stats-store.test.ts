import { bytesToHex } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { CSV_COLUMNS, toCsv } from "../../../coordinator/stats-api.js";
import { generateIdentity, keyId } from "../../../protocol/identity.js";
import { FOLD, STRAIGHT } from "../../helpers/ledger.js";
import { storeNetwork } from "../../helpers/store-network.js";

describe("stats store: teams and standings", () => {
  const producer = generateIdentity();
  const [ann, bob, cat] = [generateIdentity(), generateIdentity(), generateIdentity()];
  const hex = (k: typeof ann) => bytesToHex(k.publicKey);

  function played() {
    const net = storeNetwork(producer);
    const { store } = net;
    for (const who of [ann, bob, cat]) store.touchWorker(hex(who), keyId(who.publicKey), 0);
    store.stats.setTeam(hex(ann), 'Folders, "united"', 1);
    store.stats.setTeam(hex(bob), 'Folders, "united"', 2);
    store.stats.setTeam(hex(cat), "=HYPERLINK(1)", 3);
    net.submit(2, 1, 65_536);
    net.unit(ann, STRAIGHT);
    net.unit(bob, FOLD); // lowers the job's best: its best fold is bob's
    const bountied = net.submit(1, 2);
    expect(net.fund(ann, bountied, 100n)).toBeUndefined();
    net.unit(cat, FOLD);
    return { net, store, bountied };
  }

  it("totals each key's rewards and bounties, results, steps and job bests, and each team's members", () => {
    const { store, bountied } = played();
    const keys = store.stats.keyStats();
    const earned = (who: typeof ann) =>
      store
        .listJobs(10)
        .flatMap((j) => store.listUnits(j.id))
        .reduce((s, u) => s + (u.result?.workerKey === hex(who) ? u.result.reward : 0n), 0n);
    const cats = keys.find((k) => k.key === hex(cat))!;
    const paid = store.escrows.escrow(bountied.id)!.paid;
    expect(paid).toBeGreaterThan(0n);
    expect(cats.tokens).toBe(earned(cat) + paid);
    expect(cats).toMatchObject({
      team: "=HYPERLINK(1)",
      results: 1,
      stepsVerified: 1024,
      jobBests: 1,
    });
    expect(keys.find((k) => k.key === hex(bob))).toMatchObject({
      jobBests: 1,
      results: 1,
      bestEnergy: -9,
    });
    // best first: by tokens
    expect(keys.map((k) => k.tokens)).toEqual(
      [...keys.map((k) => k.tokens)].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)),
    );
    const [folders] = store.stats.teamStats().filter((t) => t.team.startsWith("Folders"));
    const members = keys.filter((k) => k.team === 'Folders, "united"');
    expect(folders).toMatchObject({ members: 2, results: 2, stepsVerified: 2 * 65_536 });
    expect(folders!.tokens).toBe(members.reduce((s, k) => s + k.tokens, 0n));
  });

  it("moves a key to the team of its latest hello, and out of teams with an empty name", () => {
    const { store } = played();
    store.stats.setTeam(hex(bob), "", 9);
    expect(store.stats.keyStats().find((k) => k.key === hex(bob))?.team).toBeNull();
    expect(store.stats.teamStats().find((t) => t.team.startsWith("Folders"))?.members).toBe(1);
  });

  it("exports CSV that quotes commas and quotes and defuses formulas", () => {
    const { store } = played();
    const csv = toCsv(store.stats.teamStats(), CSV_COLUMNS.teams).split("\r\n");
    expect(csv[0]).toBe("rank,team,members,tokens,results,stepsVerified,jobBests");
    expect(csv.some((l) => l.includes('"Folders, ""united"""'))).toBe(true);
    expect(csv.some((l) => l.includes(`"'=HYPERLINK(1)"`))).toBe(true);
    expect(csv.at(-1)).toBe("");
  });
});
