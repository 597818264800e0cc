/**
 * A worker's name (`foldnet worker --name`, sent in `Hello.name`) as the coordinator stores and
 * shows it: free text from an untrusted peer, so it is normalised (NFC), stripped of every
 * character that does not show as itself — controls, format characters (bidi overrides,
 * zero-width joiners), private-use code points, line and paragraph separators — with runs of
 * whitespace folded to one space, trimmed, and cut to MAX_WORKER_NAME_BYTES on a character
 * boundary. The dashboard still inserts it as text, never as HTML.
 * @module
 */
import { MAX_WORKER_NAME_BYTES } from "./limits.js";
import { truncateUtf8 } from "./wire.js";

/** Code points a shown name never keeps (whitespace is folded before these are removed). */
const UNSHOWABLE = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/gu;

/** The name to store and show for what a worker sent ("" for none). */
export function sanitizeWorkerName(raw: string): string {
  const cleaned = raw.normalize("NFC").replace(/\s+/gu, " ").replace(UNSHOWABLE, "").trim();
  return truncateUtf8(cleaned, MAX_WORKER_NAME_BYTES).trim();
}
