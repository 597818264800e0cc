/**
 * Researchers' API keys: stored only as sha256 hashes; a fresh coordinator with no key mints
 * one and writes it, mode 0600, to a file beside its database so the operator can hand it
 * out (`foldnet job submit --api-key …` or FOLDNET_API_KEY).
 * @module
 */
import { randomBytes } from "node:crypto";
import { chmodSync, writeFileSync } from "node:fs";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Store } from "./store/store.js";

/** The stored form of a key. */
export const hashApiKey = (key: string) => bytesToHex(sha256(utf8ToBytes(key)));

/** A new random key: `fn_` and 32 hex characters (128 bits). */
export const mintApiKey = () => `fn_${randomBytes(16).toString("hex")}`;

/**
 * Registers `keys`; when the store then has none, mints one and writes it to `keyFile`.
 * Returns the minted key, if any.
 */
export function ensureApiKeys(
  store: Store,
  keys: readonly string[],
  keyFile: string | undefined,
  now: number,
): string | undefined {
  for (const key of keys) store.addApiKey(hashApiKey(key), "configured", now);
  if (store.countApiKeys() > 0) return undefined;
  const key = mintApiKey();
  store.addApiKey(hashApiKey(key), "minted", now);
  if (keyFile !== undefined) {
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600); // the mode above applies only to a file it creates
  }
  return key;
}
