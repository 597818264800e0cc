import { describe, expect, it } from "vitest";
import type { JobRecord } from "../../../coordinator/store/store.js";
import { generateIdentity } from "../../../protocol/identity.js";
import { STRAIGHT } from "../../helpers/ledger.js";
import { storeNetwork } from "../../helpers/store-network.js";

/** A store on a fake clock with `jobs` (account, priority) of 2 trajectories × 200 generations each. */
function setup(jobs: readonly [account: string, priority: number][]) {
  const net = storeNetwork(generateIdentity());
  const records = jobs.map(([account, priority]) => {
    const job = net.submit(2, 200);
    net.store.limits.ownJob(job.id, account);
    net.store.shares.setPriority(job.id, priority);
    return job;
  });
  const worker = generateIdentity();
  const run = (units: number) => {
    for (let i = 0; i < units; i++) expect(net.unit(worker, STRAIGHT)).toBe(true);
  };
  const steps = (job: JobRecord) => net.store.getJob(job.id)!.stepsDone;
  return { net, jobs: records, run, steps };
}

describe("fair share in the lease query", () => {
  it("splits one worker's units equally between two accounts of two jobs each, whatever their age", () => {
    const { jobs, run, steps } = setup([
      ["alice", 1],
      ["alice", 1],
      ["bob", 1],
      ["bob", 1],
    ]);
    run(400);
    const alice = steps(jobs[0]!) + steps(jobs[1]!);
    const bob = steps(jobs[2]!) + steps(jobs[3]!);
    expect(alice).toBe(bob);
    for (const job of jobs) expect(steps(job)).toBe(100 * 1024); // equal priorities: equal jobs
  });

  it("follows accounts' weights and, inside an account, jobs' priorities", () => {
    const { net, jobs, run, steps } = setup([
      ["alice", 3],
      ["alice", 1],
      ["bob", 1],
    ]);
    net.store.shares.setWeight("bob", 2);
    run(300);
    const alice = steps(jobs[0]!) + steps(jobs[1]!);
    expect(steps(jobs[2]!)).toBe(2 * alice);
    expect(steps(jobs[0]!)).toBe(3 * steps(jobs[1]!));
  });

  it("a late account starts level with the others, owed nothing from before it came", () => {
    const { net, jobs, run, steps } = setup([["alice", 1]]);
    run(100);
    const late = net.submit(2, 200);
    net.store.limits.ownJob(late.id, "carol");
    run(40);
    // carol starts level with alice instead of being owed alice's first 100 units
    expect(steps(late)).toBe(20 * 1024);
    expect(steps(jobs[0]!)).toBe(120 * 1024);
  });

  it("several units of one lease call alternate between accounts, deterministically", () => {
    const pick = () => {
      const { net } = setup([
        ["alice", 1],
        ["bob", 1],
      ]);
      const leases = net.store.leaseUnits("w", 4, 0, () => 60_000);
      return leases.map((l) => net.store.access.jobOwner(l.job.id) ?? "");
    };
    const owners = pick();
    expect(owners).toEqual(["alice", "bob", "alice", "bob"]);
    expect(pick()).toEqual(owners);
  });
});
