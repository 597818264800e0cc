/**
 * Researchers' API keys: stored only as sha256 hashes, each with its account and role. Keys
 * given to the coordinator (`--api-key`, FOLDNET_API_KEY) are admin keys, each its own account
 * (`key-` and its id); a fresh coordinator with no key mints an admin key (account `admin`)
 * and writes it, mode 0600, to a file beside its database so the operator can hand it out.
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
 * Registers `keys` as admin keys; when the store then has none, mints one and writes it to
 * `keyFile`. Returns the minted key, if any.
 */
export async function ensureApiKeys(
  store: Store,
  keys: readonly string[],
  keyFile: string | undefined,
  now: number,
): Promise<string | undefined> {
  for (const key of keys) {
    const hash = hashApiKey(key);
    await store.access.addKey(hash, `key-${hash.slice(0, 16)}`, "admin", now);
  }
  if ((await store.access.keys()).length > 0) return undefined;
  const key = mintApiKey();
  await store.access.addKey(hashApiKey(key), "admin", "admin", now);
  if (keyFile !== undefined) {
    writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
    chmodSync(keyFile, 0o600); // the mode above applies only to a file it creates
  }
  return key;
}
