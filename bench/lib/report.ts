/**
 * Shared output of the benchmarks: a readable table on stdout, or with `--json` exactly one
 * JSON object holding the measured figures (docs/design.md "Benchmarks").
 * @module
 */

/** True when the benchmark was asked for JSON output. */
export const wantsJson = process.argv.includes("--json");

/** Value of `--name V` on the benchmark's command line, or the fallback. */
export function argValue(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined
    ? (process.argv[at + 1] as string)
    : fallback;
}

/** Prints the figures: a table of rows (human) or the JSON object (machine). */
export function report(
  title: string,
  rows: Record<string, string | number>[],
  figures: Record<string, unknown>,
): void {
  if (wantsJson) {
    console.log(JSON.stringify(figures));
    return;
  }
  console.log(`\n${title}\n`);
  console.table(rows);
}

/** Logs a progress line to stderr unless JSON was asked for on a pipe. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Runs `fn(count)` repeatedly for about `seconds` and returns operations per second. */
export function rate(seconds: number, batch: number, fn: (count: number) => void): number {
  fn(batch); // warm-up
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(seconds * 1e9));
  let done = 0;
  let elapsed = 0n;
  do {
    fn(batch);
    done += batch;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < limit);
  return done / (Number(elapsed) / 1e9);
}
