/**
 * The list of `foldnet` subcommands, in the order `foldnet --help` shows them.
 * @module
 */
import type { Command } from "../command.js";
import { adminCommand } from "./admin.js";
import { coordinatorCommand } from "./coordinator.js";
import { demoCommand } from "./demo.js";
import { foldCommand } from "./fold.js";
import { jobCommand } from "./job.js";
import { ledgerCommand } from "./ledger.js";
import { statsCommand } from "./stats.js";
import { walletCommand } from "./wallet.js";
import { workerCommand } from "./worker.js";

export const commands: readonly Command[] = [
  foldCommand,
  coordinatorCommand,
  jobCommand,
  workerCommand,
  ledgerCommand,
  walletCommand,
  statsCommand,
  adminCommand,
  demoCommand,
];
