/**
 * Which segments a challenge opens, as a deterministic function of (seed material,
 * segment count, m): the seed is an HMAC, under a key derived from the coordinator's secret
 * identity key, of the assignment id and the committed Merkle root. The same commit — sent
 * twice, after a reconnect, or to a restarted coordinator — is challenged on the same
 * segments, so a worker that skipped work cannot re-roll the draw; it could only commit to a
 * different root, which intake refuses as a strike. Without the coordinator's secret the
 * draw cannot be predicted before committing.
 * @module
 */
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";

const KEY_LABEL = utf8ToBytes("foldnet challenge key v1");
const SEED_LABEL = utf8ToBytes("foldnet challenge seed v1");

/** The challenge key of a coordinator: HMAC-SHA256 of a label under its 32-byte secret key. */
export function challengeKey(secretKey: Uint8Array): Uint8Array {
  return hmac(sha256, secretKey, KEY_LABEL);
}

/** The seed of the challenge of `merkleRoot` committed for `assignmentId`. */
export function challengeSeed(
  key: Uint8Array,
  assignmentId: Uint8Array,
  merkleRoot: Uint8Array,
): Uint8Array {
  const message = new Uint8Array(SEED_LABEL.length + 1 + assignmentId.length + merkleRoot.length);
  message.set(SEED_LABEL, 0);
  message[SEED_LABEL.length] = assignmentId.length;
  message.set(assignmentId, SEED_LABEL.length + 1);
  message.set(merkleRoot, SEED_LABEL.length + 1 + assignmentId.length);
  return hmac(sha256, key, message);
}

/**
 * A uniform integer source on a seed, `random(n)` in [0, n) for n ≤ 2³²: SHA-256 in counter
 * mode, 32-bit words, rejection sampling (no modulo bias).
 */
export function seededRandom(seed: Uint8Array): (n: number) => number {
  let block = new Uint8Array(0);
  let word = 8;
  let counter = 0;
  const input = new Uint8Array(seed.length + 4);
  input.set(seed, 0);
  const view = new DataView(input.buffer);
  const next = (): number => {
    if (word === 8) {
      view.setUint32(seed.length, counter++);
      block = sha256(input);
      word = 0;
    }
    const b = word++ * 4;
    return ((block[b]! << 24) | (block[b + 1]! << 16) | (block[b + 2]! << 8) | block[b + 3]!) >>> 0;
  };
  return (n: number) => {
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = next();
      if (x < limit) return x % n;
    }
  };
}
