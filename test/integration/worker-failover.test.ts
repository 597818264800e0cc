/**
 * `foldnet worker --coordinator A,B,C` as real processes: the worker skips a URL where nothing
 * listens, and when the coordinator it works for is killed mid-unit it carries on with the
 * next. The two coordinators have a database each here (SQLite), so they are two networks: the
 * unit leased on the killed one is refused by the other as never issued — without a strike.
 * (A unit leased on one coordinator and accepted on another needs a shared store:
 * test/unit/coordinator/cross-coordinator.test.ts.)
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../coordinator/api-client.js";
import {
  freePort,
  type Proc,
  startCoordinator,
  startWorker,
  tempDir,
  waitFor,
} from "../helpers/network.js";

const KEY = "fn_failover_test";
const SEQ = "PPPHHPPHHPPPPPHHHHHHHPPHHPPPPHHPPHPP";

const running: Proc[] = [];
afterAll(async () => {
  await Promise.all(running.splice(0).map((p) => p.kill("SIGKILL")));
});

interface WorkerView {
  key: string;
  strikes: number;
  connected: boolean;
}
const workers = async (url: string) =>
  (await new ApiClient(url).call<{ workers: WorkerView[] }>("GET", "/api/workers")).workers;

describe("a worker given several coordinators (processes)", () => {
  it("skips a dead URL, and moves on when its coordinator is killed mid-unit", async () => {
    const dir = tempDir("failover");
    const coordinators = await Promise.all(
      ["c1", "c2"].map(async (name) => {
        const proc = await startCoordinator(join(dir, `${name}.db`), 0, KEY);
        running.push(proc);
        const job = await new ApiClient(proc.url, KEY).submit({
          sequence: SEQ,
          steps: 64 * 4_194_304,
          trajectories: 4,
          unitSteps: 4_194_304,
        });
        return { proc, job: job.id };
      }),
    );
    const dead = `ws://127.0.0.1:${await freePort()}`;
    const worker = startWorker(
      [dead, ...coordinators.map((c) => c.proc.wsUrl)].join(","),
      join(dir, "w"),
    );
    running.push(worker);
    // wherever it starts in the list, it ends up on a live coordinator, with its work
    const first = await waitFor(
      "the worker to connect to a live coordinator",
      async () => {
        for (const c of coordinators)
          if ((await workers(c.proc.url)).some((w) => w.connected)) return c;
        return undefined;
      },
      20_000,
    );
    await waitFor(
      "a unit of that coordinator's job",
      async () => (worker.log().includes(`"jobId":"${first.job}"`) ? true : undefined),
      20_000,
    );
    const other = coordinators.find((c) => c !== first)!;

    const logBefore = worker.log().length;
    await first.proc.kill("SIGKILL"); // mid-unit: a 4 Mi-step unit runs for seconds
    await waitFor(
      "the worker to move on to the other coordinator and get its work",
      async () =>
        worker.log().slice(logBefore).includes(`"jobId":"${other.job}"`) ? true : undefined,
      20_000,
    );
    const after = worker.log().slice(logBefore);
    // within a round it waited no backoff: the move from the killed one was immediate
    expect(after).toMatch(/disconnected; retrying .*"retryInMs":0/);
    // the unit leased on the killed coordinator, finished, is refused by the other network
    // as never issued, and costs the worker no strike there
    await waitFor(
      "the orphaned unit's result to be answered",
      async () => (worker.log().includes("RESULT_ERROR_UNKNOWN_ASSIGNMENT") ? true : undefined),
      30_000,
    );
    const [seen] = await workers(other.proc.url);
    expect(seen).toMatchObject({ connected: true, strikes: 0 });
  });
});
