import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPgStore } from "../../coordinator/store/pg/pg-store.js";
import { settledStore } from "../../coordinator/store/settled-store.js";
import { SqliteStore } from "../../coordinator/store/sqlite-store.js";
import type { Lease, Store } from "../../coordinator/store/store.js";
import { PgCluster } from "../../testkit/pg-cluster.js";
import { acceptLease, createJob, fakeSeal, workerKey } from "../helpers/store-fixtures.js";

let cluster: PgCluster;
let databases = 0;
beforeAll(async () => {
  cluster = await PgCluster.create();
});
afterAll(async () => {
  await cluster?.destroy();
});

async function freshPg(): Promise<Store> {
  const name = `diff_${++databases}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return openPgStore(cluster.url.replace(/\/[^/]+$/, `/${name}`), { maxConnections: 2 });
}

const who = fc.integer({ min: 0, max: 2 });
const op = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("submit" as const),
      trajectories: fc.integer({ min: 1, max: 3 }),
      generations: fc.integer({ min: 1, max: 3 }),
      owner: who,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("lease" as const),
      worker: who,
      slots: fc.integer({ min: 1, max: 3 }),
      dt: fc.integer({ min: 0, max: 400 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("accept" as const),
      pick: fc.nat(),
      energy: fc.integer({ min: -6, max: 0 }),
      finish: fc.boolean(),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ kind: fc.constant("expire" as const), dt: fc.nat(1_000) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("revoke" as const), pick: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("extend" as const), pick: fc.nat(), dt: fc.nat(900) }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("reject" as const),
      worker: who,
      strike: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("transfer" as const),
      from: who,
      to: who,
      amount: fc.bigInt({ min: 0n, max: 3_000n }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("seal" as const),
      max: fc.integer({ min: 1, max: 4 }),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("weight" as const),
      owner: who,
      w: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 1,
  },
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** One store's run of the ops: what each op answered, the assignment ids left out. */
class Run {
  readonly leases: Lease[] = [];
  readonly jobs: string[] = [];
  now = 0;
  constructor(readonly store: Store) {}

  async step(o: Op): Promise<unknown> {
    const s = this.store;
    const lease = (pick: number) => this.leases[pick % Math.max(1, this.leases.length)];
    switch (o.kind) {
      case "submit": {
        const id = `j${this.jobs.length}`;
        this.jobs.push(id);
        await createJob(s, id, { ...o, createdAt: this.jobs.length });
        await s.limits.ownJob(id, `owner${o.owner}`);
        return id;
      }
      case "lease": {
        this.now += o.dt;
        const got = await s.leaseUnits(workerKey(o.worker), o.slots, this.now, () => 500);
        this.leases.push(...got);
        return got.map((l) => [l.unit, l.job, l.assignment.deadline]);
      }
      case "accept": {
        const l = lease(o.pick);
        if (l === undefined) return null;
        return acceptLease(s, l, { bestEnergy: o.energy, finishJob: o.finish, at: this.now });
      }
      case "expire":
        this.now += o.dt;
        return s.expireLeases(this.now);
      case "cancel":
        return s.cancelJob(this.jobs[o.pick % Math.max(1, this.jobs.length)] ?? "none", this.now);
      case "revoke": {
        const l = lease(o.pick);
        return l === undefined
          ? null
          : s.limits.revokeLease(l.assignment.id, l.assignment.workerKey);
      }
      case "extend": {
        const l = lease(o.pick);
        return l === undefined
          ? null
          : s.extendLease(l.assignment.id, l.assignment.workerKey, this.now + o.dt);
      }
      case "reject":
        return s.recordRejection(workerKey(o.worker), o.strike, 2);
      case "transfer": {
        const from = workerKey(o.from);
        const nonce = (await s.account(from)).nonce + 1n;
        const entry = new TextEncoder().encode(`t ${o.from} ${o.to} ${o.amount} ${nonce}`);
        const transfer = { from, to: workerKey(o.to), amount: o.amount, nonce };
        return s.appendTransfer(entry, transfer, (a) =>
          a.balance < o.amount ? "poor" : undefined,
        );
      }
      case "seal":
        return s.sealPending(o.max, fakeSeal);
      case "weight":
        return s.shares.setWeight(`owner${o.owner}`, o.w);
    }
  }

  /** Everything the store shows, the assignment ids left out. */
  async snapshot(): Promise<unknown> {
    const s = this.store;
    const units = [];
    for (const id of this.jobs)
      for (const u of await s.listUnits(id))
        units.push({ ...u, result: u.result && { ...u.result, assignmentId: "-" } });
    return {
      jobs: await s.listJobs(100),
      units,
      counts: await s.counts(),
      // ties of last seen come in no defined order
      workers: (await s.listWorkers(100)).sort((x, y) => x.key.localeCompare(y.key)),
      accounts: await s.accounts(100),
      pending: await s.pendingEntries(),
      blocks: await s.listBlocks(0, 100),
      head: await s.head(),
      loads: await Promise.all([0, 1, 2].map((o) => s.limits.ownerLoad(`owner${o}`))),
      leases: await Promise.all(
        this.leases.map(async (l) => (await s.getLease(l.assignment.id))?.assignment.status),
      ),
      active: await Promise.all([0, 1, 2].map((w) => s.activeLeaseCount(workerKey(w)))),
      keyStats: await s.stats.keyStats(),
    };
  }
}

describe("the PostgreSQL store answers as SQLite does, for one coordinator", () => {
  it("the same operations give the same answers and the same state (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 15, maxLength: 50, size: "large" }),
        async (ops) => {
          const sqlite = new Run(settledStore(new SqliteStore(":memory:")));
          const postgres = new Run(await freshPg());
          try {
            for (const w of [0, 1, 2]) {
              await sqlite.store.touchWorker(workerKey(w), `k${w}`, 0);
              await postgres.store.touchWorker(workerKey(w), `k${w}`, 0);
            }
            for (const [i, o] of ops.entries()) {
              const expected = await sqlite.step(o);
              expect(
                await postgres.step(o),
                `op ${i}: ${JSON.stringify(o, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`,
              ).toEqual(expected);
            }
            expect(await postgres.snapshot()).toEqual(await sqlite.snapshot());
          } finally {
            await sqlite.store.close();
            await postgres.store.close();
          }
        },
      ),
      { numRuns: 25, interruptAfterTimeLimit: 150_000 },
    );
  });
});
