import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPgStore, type PgStore } from "../../coordinator/store/pg/pg-store.js";
import type { Store, StoredBlock } from "../../coordinator/store/store.js";
import { decodeHeader, sealBlock } from "../../ledger/blocks.js";
import type { Identity } from "../../protocol/identity.js";
import { generateIdentity } from "../../protocol/identity.js";
import { PgCluster } from "../../testkit/pg-cluster.js";
import { expectFoldnetError } from "../helpers/errors.js";
import {
  acceptLease,
  continuePlan,
  createJob,
  leaseMs,
  REWARD,
  WORK,
  workerKey,
} from "../helpers/store-fixtures.js";

let cluster: PgCluster;
let databases = 0;
beforeAll(async () => {
  cluster = await PgCluster.create();
});
afterAll(async () => {
  await cluster?.destroy();
});

const urls = new WeakMap<PgStore, string>();
/** The connection string a store of `twoCoordinators` was opened on. */
const connectionOf = (store: PgStore) => urls.get(store)!;

/** Two stores, as two coordinators, on one fresh database. */
async function twoCoordinators(): Promise<[PgStore, PgStore]> {
  const name = `race_${++databases}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = cluster.url.replace(/\/[^/]+$/, `/${name}`);
  const pair: [PgStore, PgStore] = [
    await openPgStore(url, { maxConnections: 6 }),
    await openPgStore(url, { maxConnections: 6 }),
  ];
  for (const store of pair) urls.set(store, url);
  return pair;
}

/** Leases from both stores at once (`calls` each) until nothing is queued; the unit ids. */
async function leaseAll(stores: readonly Store[], calls: number): Promise<string[]> {
  const leased: string[] = [];
  for (;;) {
    const rounds = await Promise.all(
      stores.flatMap((s, i) =>
        Array.from({ length: calls }, (_, c) => s.leaseUnits(workerKey(10 * i + c), 3, 0, () => 1)),
      ),
    );
    const got = rounds.flat().map((l) => l.unit.id);
    if (got.length === 0) return leased;
    leased.push(...got);
  }
}

describe("two coordinators on one PostgreSQL database", () => {
  it("never lease one unit twice, over many rounds of leases and expiries", async () => {
    const [a, b] = await twoCoordinators();
    for (const id of ["j1", "j2", "j3"])
      await createJob(a, id, { trajectories: 40, generations: 1 });
    for (let round = 0; round < 5; round++) {
      const leased = await leaseAll([a, b], 4);
      expect(leased).toHaveLength(120);
      expect(new Set(leased).size).toBe(120);
      const expired = await Promise.all([a.expireLeases(10), b.expireLeases(10)]);
      expect(expired.flat()).toHaveLength(120); // each requeued once, by one of them
    }
    await a.close();
    await b.close();
  });

  it("record and pay a result that reaches both at once exactly once, in one ledger order", async () => {
    const [a, b] = await twoCoordinators();
    // six jobs: acceptances of different jobs share no row but the ledger's
    for (let j = 1; j <= 6; j++) await createJob(a, `j${j}`, { trajectories: 5, generations: 1 });
    const leases = await a.leaseUnits(workerKey(1), 30, 0, leaseMs);
    expect(leases).toHaveLength(30);
    const outcomes = await Promise.all(
      leases.flatMap((lease) => [acceptLease(a, lease), acceptLease(b, lease)]),
    );
    const kinds = outcomes.map((o) => o.kind);
    expect(kinds.filter((k) => k === "accepted")).toHaveLength(30);
    expect(kinds.filter((k) => k === "duplicate")).toHaveLength(30);
    expect(await b.account(workerKey(1))).toMatchObject({ balance: 30n * REWARD });
    expect(await a.pendingEntries()).toBe(30);
    expect(await b.getJob("j1")).toMatchObject({
      unitsDone: 5,
      stepsDone: 5 * 1024,
      status: "done",
    });
    expect(outcomes.filter((o) => o.kind === "accepted" && o.jobFinished)).toHaveLength(6);
    // each plan saw the work of every result before it: the pending order is the work order
    const blocks: string[] = [];
    await a.sealPending(100, (entries, prev) => {
      blocks.push(...entries.map((e) => new TextDecoder().decode(e)));
      return sealed(entries, prev, generateIdentity());
    });
    expect(blocks.map((e) => e.split(" after ")[1])).toEqual(
      Array.from({ length: 30 }, (_, i) => String(BigInt(i) * WORK)),
    );
    await a.close();
    await b.close();
  });

  it("never fork the chain when both seal at once", async () => {
    const [a, b] = await twoCoordinators();
    const producer = generateIdentity();
    const appended: string[] = [];
    for (let i = 1; i <= 60; i++) {
      const e = Uint8Array.of(i);
      appended.push(String(i));
      await (i % 2 === 0 ? a : b).appendTransfer(
        e,
        { from: workerKey(1), to: workerKey(2), amount: 0n, nonce: BigInt(i) },
        () => undefined,
      );
    }
    const seal = (s: Store) => s.sealPending(4, (entries, prev) => sealed(entries, prev, producer));
    for (;;) {
      const sealed = await Promise.all([seal(a), seal(b), seal(a), seal(b)]);
      if (sealed.every((s) => s === undefined)) break;
    }
    const chain = await b.listBlocks(0, 1_000);
    expect(chain.map((s) => s.height)).toEqual(chain.map((_, i) => i));
    chain.forEach((block, i) => {
      const header = decodeHeader(block.headerBytes);
      expect(header.height).toBe(i);
      if (i > 0) expect(header.prevHash).toEqual(chain[i - 1]!.hash);
    });
    expect(chain.flatMap((s) => s.entries.map((e) => String(e[0])))).toEqual(appended);
    expect(await a.head()).toEqual({
      height: chain.length - 1,
      hash: chain.at(-1)!.hash,
      timestamp: chain.at(-1)!.timestamp,
    });
    await a.close();
    await b.close();
  });

  it("tell each other when units become queued", async () => {
    const [a, b] = await twoCoordinators();
    let heard = 0;
    b.onUnitsQueued(() => heard++);
    const hears = async (move: () => Promise<unknown>) => {
      const before = heard;
      await move();
      await expect.poll(() => heard, { timeout: 5_000 }).toBeGreaterThan(before);
    };
    await hears(() => createJob(a, "j1", { trajectories: 2, generations: 2 }));
    const [l1, l2] = await a.leaseUnits(workerKey(1), 2, 0, () => 10);
    await hears(() => a.limits.revokeLease(l1!.assignment.id, workerKey(1)));
    await hears(() => a.expireLeases(10));
    const [l3] = await a.leaseUnits(workerKey(1), 1, 20, leaseMs);
    await hears(() => a.acceptResult({ ...resultOf(l3!) }, continuePlan()));
    expect(l2).toBeDefined();
    await a.close();
    await b.close();
  });

  it("acknowledge no acceptance whose connection was cut: nothing of it is kept", async () => {
    const [a, b] = await twoCoordinators();
    await createJob(a, "j1", { trajectories: 1, generations: 2 });
    const [lease] = await a.leaseUnits(workerKey(1), 1, 0, leaseMs);
    // another session holds the ledger lock, so the acceptance waits inside its transaction
    const holder = new pg.Client({ connectionString: connectionOf(a) });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query("SELECT work FROM ledger_work FOR UPDATE");
    const accepting = acceptLease(a, lease!);
    const waiting = async () =>
      (
        await holder.query(
          "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
        )
      ).rows as { pid: number }[];
    await expect.poll(async () => (await waiting()).length).toBe(1);
    const [victim] = await waiting();
    await holder.query("SELECT pg_terminate_backend($1)", [victim!.pid]);
    await expectFoldnetError(accepting, { code: "STORE_ERROR_UNAVAILABLE" });
    await holder.query("COMMIT");
    await holder.end();
    expect(await b.getResultByAssignment(lease!.assignment.id)).toBeUndefined();
    expect(await b.getJob("j1")).toMatchObject({ unitsDone: 0, stepsDone: 0 });
    expect((await b.counts()).units).toMatchObject({ leased: 1, queued: 0, done: 0 });
    expect(await b.pendingEntries()).toBe(0);
    // the worker sends it again (here to the other coordinator): recorded once
    expect(await acceptLease(b, lease!)).toMatchObject({ kind: "accepted" });
    expect(await acceptLease(a, lease!)).toMatchObject({ kind: "duplicate" });
    await a.close();
    await b.close();
  });

  it("report an unreachable database as STORE_ERROR_UNAVAILABLE, and recover when it returns", async () => {
    await expectFoldnetError(openPgStore("postgres://foldnet:secret@127.0.0.1:1/none"), {
      code: "STORE_ERROR_UNAVAILABLE",
      server: "127.0.0.1:1/none",
    });
    await expectFoldnetError(openPgStore(cluster.url.replace(/\/[^/]+$/, "/missing")), {
      code: "STORE_ERROR_UNAVAILABLE",
    });
    const [a, b] = await twoCoordinators();
    await createJob(a, "j1");
    let heard = 0;
    b.onUnitsQueued(() => heard++);
    await new Promise((r) => setTimeout(r, 200)); // j1's notification, if it comes, is in
    const beforeStop = heard;
    await cluster.stop("fast");
    await expectFoldnetError(a.ping(), { code: "STORE_ERROR_UNAVAILABLE" });
    await expectFoldnetError(a.getJob("j1"), { code: "STORE_ERROR_UNAVAILABLE" });
    await expectFoldnetError(a.leaseUnits(workerKey(1), 1, 0, leaseMs), {
      code: "STORE_ERROR_UNAVAILABLE",
    });
    await cluster.start();
    await a.ping();
    expect((await a.getJob("j1"))?.status).toBe("running");
    // listening again, and it says so: units may have been queued while it was not
    await expect.poll(() => heard, { timeout: 10_000 }).toBeGreaterThan(beforeStop);
    const before = heard;
    await createJob(a, "j2");
    await expect.poll(() => heard, { timeout: 5_000 }).toBeGreaterThan(before);
    await a.close();
    await Promise.all([b.close(), b.close()]);
    await expectFoldnetError(b.ping(), { code: "STORE_ERROR_UNAVAILABLE" });
  });
});

/** A result of `lease` as acceptLease sends it. */
function resultOf(lease: Awaited<ReturnType<Store["leaseUnits"]>>[number]) {
  return {
    assignmentId: lease.assignment.id,
    workerKey: lease.assignment.workerKey,
    bestEnergy: -1,
    bestFold: "RRUL",
    steps: lease.unit.steps,
    finalState: Uint8Array.of(1),
    finalStateHash: new Uint8Array(32),
    merkleRoot: new Uint8Array(32),
    segments: [0],
    at: 30,
  };
}

/** A block sealed by `producer`, as the store keeps it. */
function sealed(
  entries: Uint8Array[],
  prev: { height: number; hash: Uint8Array } | undefined,
  producer: Identity,
): StoredBlock {
  const block = sealBlock(entries, prev, 1_000, producer);
  const { height, timestamp } = block.header;
  return { ...block, height, timestamp, entries };
}
