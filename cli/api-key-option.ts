/**
 * Where commands take researcher API keys from: `--api-key-file FILE` (one key per line),
 * FOLDNET_API_KEY, or `--api-key KEY` — the last shows in `ps` and shell history, so the
 * help of each command steers to the first two.
 * @module
 */
import { readFileSync } from "node:fs";
import { ApiClient } from "../coordinator/api-client.js";
import { DEFAULT_COORDINATOR } from "../coordinator/defaults.js";
import { UsageError } from "./command.js";

/** The `--api-key-file` and `--api-key` options as parsed. */
export interface ApiKeyValues {
  readonly "api-key"?: string | string[] | undefined;
  readonly "api-key-file"?: string | undefined;
}

/**
 * The API keys given, file first, then the environment, then the command line.
 * @throws {UsageError} when the file cannot be read.
 */
export function apiKeysFrom(values: ApiKeyValues): string[] {
  const keys: string[] = [];
  const file = values["api-key-file"];
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new UsageError(`--api-key-file: ${(err as Error).message}`, "api-key-file");
    }
    keys.push(
      ...text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== ""),
    );
  }
  if (process.env.FOLDNET_API_KEY) keys.push(process.env.FOLDNET_API_KEY);
  const given = values["api-key"];
  if (given !== undefined) keys.push(...(Array.isArray(given) ? given : [given]));
  return keys;
}

/** The options of an API client command: `--coordinator`, the API key options and `--json`. */
export const CLIENT_OPTIONS = {
  coordinator: { type: "string" },
  "api-key": { type: "string" },
  "api-key-file": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/** A client of `--coordinator` (or FOLDNET_COORDINATOR) with the first API key given. */
export const clientFrom = (values: ApiKeyValues & { readonly coordinator?: string | undefined }) =>
  new ApiClient(
    values.coordinator ?? process.env.FOLDNET_COORDINATOR ?? DEFAULT_COORDINATOR,
    apiKeysFrom(values)[0],
  );
