/**
 * Reads a vector file of this directory (JSON). Vectors are read, not imported, so that they
 * stay data: no bundler or lint rule rewrites their paths.
 * @module
 */
import { readFileSync } from "node:fs";

/** The parsed JSON file `name` next to this module, typed by the caller. */
export function loadVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), "utf8")) as T;
}
