/**
 * Global test setup: fast-check runs with a fixed time limit per property and a seed that
 * is logged (set FC_SEED to replay a failing run).
 * @module
 */
import fc from "fast-check";

const seed =
  process.env.FC_SEED === undefined
    ? Date.now() ^ (Math.random() * 2 ** 31)
    : Number(process.env.FC_SEED);
fc.configureGlobal({ seed, interruptAfterTimeLimit: 20_000, markInterruptAsFailure: false });
process.stderr.write(`fast-check seed: ${seed} (replay with FC_SEED=${seed})\n`);
