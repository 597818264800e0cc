/**
 * The list of `foldnet` subcommands, in the order `foldnet --help` shows them.
 * @module
 */
import type { Command } from "../command.ts";
import { foldCommand } from "./fold.ts";

export const commands: readonly Command[] = [foldCommand];
