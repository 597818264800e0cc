/**
 * The list of `foldnet` subcommands, in the order `foldnet --help` shows them.
 * @module
 */
import type { Command } from "../command.js";
import { foldCommand } from "./fold.js";

export const commands: readonly Command[] = [foldCommand];
