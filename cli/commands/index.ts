/**
 * The list of `foldnet` subcommands, in the order `foldnet --help` shows them.
 * @module
 */
import type { Command } from "../command.js";
import { foldCommand } from "./fold.js";
import { workerCommand } from "./worker.js";

export const commands: readonly Command[] = [foldCommand, workerCommand];
