/**
 * `foldnet fold`: a local replica-exchange search, no network. Same arguments, same JSON on
 * every machine (docs/design.md "Command line").
 * @module
 */
import { writeFileSync } from "node:fs";
import { bytesToHex } from "@noble/hashes/utils.js";
import { createProgress } from "../../common/progress.js";
import { parseLattice } from "../../sim/lattice.js";
import { renderPdb } from "../../sim/render-pdb.js";
import { renderSvg } from "../../sim/render-svg.js";
import { createSearch, searchStateHash, summarize } from "../../sim/search.js";
import { type Command, integerOption, parseCommandArgs, UsageError } from "../command.js";

/** Steps run between two progress updates. */
const CHUNK_STEPS = 250_000;

export const foldCommand: Command = {
  name: "fold",
  summary: "fold a sequence locally (replica-exchange Monte Carlo), no network",
  help: `Usage: foldnet fold --seq HP… --lattice square2d|cubic3d --steps N [options]

Runs a replica-exchange Monte Carlo search with pull moves on this machine and prints the
best fold found. The same arguments give the same result on every machine.

Options:
  --seq HP…          the HP sequence (letters H and P, 2…256 residues)
  --lattice L        square2d (default) or cubic3d
  --steps N          move attempts in all (default 1000000)
  --seed S           PRNG seed, an integer in [0, 2^64) (default 1)
  --replicas R       replicas on the temperature ladder (default 8)
  --svg FILE         write a picture of the best fold
  --pdb FILE         write the best fold as a PDB file (CA trace; H = HIS, P = PRO)
  --json             print one JSON object: sequence, lattice, steps, seed, replicas,
                     bestEnergy, bestFold, bestStep, stateHash
  -h, --help         this help
`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      seq: { type: "string" },
      lattice: { type: "string", default: "square2d" },
      steps: { type: "string", default: "1000000" },
      seed: { type: "string", default: "1" },
      replicas: { type: "string" },
      svg: { type: "string" },
      pdb: { type: "string" },
      json: { type: "boolean", default: false },
    });
    if (values.seq === undefined) throw new UsageError("--seq is required", "seq");
    const steps = integerOption(values.steps, "steps", 0);
    if (!/^\d+$/.test(values.seed))
      throw new UsageError(`--seed must be a non-negative integer, got "${values.seed}"`, "seed");
    const seed = BigInt(values.seed);
    const lattice = parseLattice(values.lattice, "--lattice");
    const search = createSearch({
      sequence: values.seq.toUpperCase(),
      lattice,
      seed,
      ...(values.replicas === undefined
        ? {}
        : { replicas: integerOption(values.replicas, "replicas", 0) }),
    });
    const progress = createProgress("folding", steps, values.json);
    while (search.step < steps) {
      search.run(Math.min(CHUNK_STEPS, steps - search.step));
      progress.update(search.step, `best E = ${search.bestEnergy}`);
    }
    progress.finish(`best E = ${search.bestEnergy}`);
    const summary = summarize(search);
    if (values.svg !== undefined) {
      writeFileSync(
        values.svg,
        renderSvg(summary.sequence, summary.bestFold, lattice, {
          title: `E = ${summary.bestEnergy}`,
        }),
      );
    }
    if (values.pdb !== undefined) {
      writeFileSync(
        values.pdb,
        renderPdb(summary.sequence, summary.bestFold, lattice, {
          title: `foldnet fold E = ${summary.bestEnergy}`,
        }),
      );
    }
    const result = {
      sequence: summary.sequence,
      lattice,
      steps,
      seed: values.seed,
      replicas: search.params.temperaturesMilli.length,
      temperaturesMilli: search.params.temperaturesMilli,
      bestEnergy: summary.bestEnergy,
      bestFold: summary.bestFold,
      bestStep: summary.bestStep,
      stateHash: bytesToHex(searchStateHash(search)),
    };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `sequence   ${result.sequence} (${result.sequence.length} residues, ${lattice})\n` +
          `best       E = ${result.bestEnergy} at step ${result.bestStep} of ${steps}\n` +
          `fold       ${result.bestFold}\n` +
          `state hash ${result.stateHash}\n`,
      );
    }
    return 0;
  },
};
