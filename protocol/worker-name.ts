/**
 * A worker's name (`foldnet worker --name`, sent in `Hello.name`) as the coordinator stores and
 * shows it: free text from an untrusted peer, so it is stripped of every character that does
 * not show as itself — controls, format characters (bidi overrides, zero-width joiners),
 * private-use code points, line and paragraph separators —, normalised (NFC), with runs of
 * whitespace folded to one space, trimmed, and cut to MAX_WORKER_NAME_BYTES on a character
 * boundary. The dashboard still inserts it as text, never as HTML.
 * @module
 */
import { MAX_WORKER_NAME_BYTES } from "./limits.js";
import { truncateUtf8 } from "./wire.js";

/** Code points a shown name never keeps (whitespace is folded before these are removed). */
const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/gu;

/**
 * The name to store and show for what a worker sent ("" for none). Idempotent: whitespace
 * (tabs and newlines included) becomes spaces before the other controls go, runs of spaces
 * are folded after, and NFC is applied to what is left.
 */
export function sanitizeWorkerName(raw: string): string {
  const cleaned = raw
    .replace(/\s/gu, " ")
    .replace(UNSHOWABLE, "")
    .normalize("NFC")
    .replace(/ {2,}/g, " ")
    .trim();
  return truncateUtf8(cleaned, MAX_WORKER_NAME_BYTES).trim();
}
