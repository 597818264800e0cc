/**
 * Entry of the `foldnet` executable: dispatches to a subcommand, prints `--help`, and maps
 * every failure to a message on stderr with a non-zero exit code.
 * @module
 */
import { type Command, describeError, UsageError } from "./command.js";
import { commands } from "./commands/index.js";

const HELP = `foldnet — volunteer-compute protein folding (HP model) with a verifiable ledger

Usage: foldnet <command> [options]     (foldnet <command> --help for details)

Commands:
${commands.map((c: Command) => `  ${c.name.padEnd(12)} ${c.summary}`).join("\n")}
`;

/** Runs the command line `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(HELP);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`foldnet: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    process.stderr.write(`foldnet ${name}: ${describeError(err)}\n`);
    if (err instanceof UsageError) process.stderr.write(`(see: foldnet ${name} --help)\n`);
    return err instanceof UsageError ? 2 : 1;
  }
}
