import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { resolveSearchParams } from "../../../sim/params.js";
import { initialSnapshot } from "../../../sim/search.js";
import { encodeState, stateHash } from "../../../sim/state-codec.js";
import { replaySegment, runWorkUnit, type WorkUnitOutput } from "../../../sim/work-unit.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const startState = encodeState(
  initialSnapshot(
    resolveSearchParams({
      sequence: "PPHPPHHPPHHPPPPPHHHHHHHHHHPPPPPPHHPPHHPPHPPHHHHH",
      lattice: "cubic3d",
    }),
    99n,
  ),
);
const input = { startState, steps: 200_000, checkpointInterval: 10_000 };

function runInThread(): Promise<WorkUnitOutput> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("../../fixtures/tsx-thread.mjs", import.meta.url), {
      workerData: {
        entry: new URL("../../fixtures/work-unit-thread.ts", import.meta.url).href,
        input,
      },
    });
    worker.once("message", resolve);
    worker.once("error", reject);
  });
}

describe("work units", () => {
  it("give identical state hashes on the main thread and in a worker thread", async () => {
    const main = runWorkUnit(input);
    const thread = await runInThread();
    expect(Array.from(thread.finalState)).toEqual(Array.from(main.finalState));
    expect(thread.leaves.map((l) => Buffer.from(l).toString("hex"))).toEqual(
      main.leaves.map((l) => Buffer.from(l).toString("hex")),
    );
  });

  it("commit to steps/K + 1 leaves: the start state first, the final state last", () => {
    const out = runWorkUnit(input);
    expect(out.leaves).toHaveLength(21);
    expect(out.leaves[0]).toEqual(stateHash(startState));
    expect(out.leaves[20]).toEqual(stateHash(out.finalState));
  });

  it("replaying any segment from its opened state reproduces the next leaf", () => {
    const small = { ...input, steps: 30_000 };
    const out = runWorkUnit(small);
    const states: Uint8Array[] = [startState];
    // Re-run to collect the opened states at each segment start.
    for (let j = 0; j < 3; j++)
      states.push(
        runWorkUnit({ startState: states[j]!, steps: 10_000, checkpointInterval: 10_000 })
          .finalState,
      );
    for (let j = 0; j < 3; j++)
      expect(replaySegment(states[j]!, 10_000)).toEqual(out.leaves[j + 1]);
  });

  it("rejects steps that are not a multiple of K, naming the field", async () => {
    await expectFoldnetError(() => runWorkUnit({ ...input, steps: 15_000 }), {
      code: "SIM_ERROR_BAD_PARAMETER",
      field: "steps",
    });
    await expectFoldnetError(() => runWorkUnit({ ...input, checkpointInterval: 0 }), {
      code: "SIM_ERROR_BAD_PARAMETER",
      field: "checkpointInterval",
    });
  });
});
