/**
 * Every limit of the wire protocol, each a named constant with its rationale. `decodeFrame`
 * (protocol/wire.ts) enforces them on every frame it reads, and `encodeFrame` on every frame it
 * writes, so a peer never sends what the other side refuses. docs/limits.md lists them with
 * where they are enforced; test/unit/protocol/limits.test.ts checks the derived ones against the
 * sim's real sizes.
 * @module
 */

/** ed25519 public key length (RFC 8032 §5.1.5: a 32-byte encoded point). */
export const PUBLIC_KEY_BYTES = 32;
/** ed25519 secret key (seed) length (RFC 8032 §5.1.5). */
export const SECRET_KEY_BYTES = 32;
/** ed25519 signature length (RFC 8032 §5.1.6: R ‖ S, 32 bytes each). */
export const SIGNATURE_BYTES = 64;
/** SHA-256 digest length (FIPS 180-4): state hashes, Merkle leaves, nodes and roots. */
export const HASH_BYTES = 32;
/**
 * Assignment id length: 128 random bits from the coordinator's CSPRNG, so two leases collide
 * with probability about 2⁻⁶⁴ after 2³² assignments (birthday bound) and no result signed for
 * one lease can be replayed for another.
 */
export const ASSIGNMENT_ID_BYTES = 16;
/** Auth challenge nonce length: 256 random bits, never repeated in practice. */
export const AUTH_NONCE_BYTES = 32;

/** Longest chain a state may hold; equals sim/sequence.ts MAX_RESIDUES (checked by a test). */
export const STATE_MAX_RESIDUES = 256;
/** Most replicas a state may hold; equals sim/params.ts MAX_REPLICAS (checked by a test). */
export const STATE_MAX_REPLICAS = 32;

/**
 * Size of the sim's canonical state (sim/state-codec.ts) for `n` residues and `r` replicas:
 * magic 4, lattice 1, (model 1, in "FNS2" states of models other than HP), n 2, sequence n,
 * R 1, temperatures 4R, exchange interval 4, PRNG 16, step 8, R × (directions n−1,
 * energy 4), best energy 4, best step 8, best directions n−1.
 */
export function canonicalStateBytes(n: number, r: number, withModel = false): number {
  const model = withModel ? 1 : 0;
  return 4 + 1 + model + 2 + n + 1 + 4 * r + 4 + 16 + 8 + r * (n - 1 + 4) + 4 + 8 + (n - 1);
}

/** Largest canonical state: 256 residues, 32 replicas and a model byte give 8,976 bytes. */
export const MAX_STATE_BYTES = canonicalStateBytes(STATE_MAX_RESIDUES, STATE_MAX_REPLICAS, true);

/**
 * Most segments (L = steps / K) in one work unit, so at most L + 1 = 131,073 Merkle leaves. The
 * default unit uses all of them: the coordinator replays (m + 2)/L of a unit, so L sets the
 * verification share (docs/verification.md); the bound keeps the worker's leaf list at 4 MiB
 * and every proof at 18 hashes.
 */
export const MAX_SEGMENTS_PER_UNIT = 131_072;
/**
 * Longest Merkle inclusion proof: ⌈log₂(MAX_SEGMENTS_PER_UNIT + 1)⌉ = 18 hashes for the
 * RFC 6962-shaped tree of protocol/merkle.ts (L = 1,024 needs 11).
 */
export const MAX_PROOF_HASHES = 18;
/**
 * Most segments one challenge may ask to open (m). A worker that skipped a fraction f of its
 * segments escapes m = 64 spot checks with probability (1 − f)⁶⁴: 3.8 % for f = 5 %.
 */
export const MAX_CHALLENGE_SEGMENTS = 64;

/** Most simulation threads a worker may announce, and most units it may ask for at once. */
export const MAX_WORKER_THREADS = 256;
/** Longest `NoWork.retryAfterMs`: one hour; a coordinator with nothing to do asks again sooner. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** Longest id (unit, job, worker) in UTF-8 bytes: a UUID is 36, a prefixed ULID 30. */
export const MAX_ID_BYTES = 64;
/** Longest fold: one direction letter per bond of the longest chain (255). */
export const MAX_FOLD_BYTES = STATE_MAX_RESIDUES - 1;
/** Longest client string in `Hello` (software name and version), in UTF-8 bytes. */
export const MAX_CLIENT_BYTES = 64;
/** Longest team name in `Hello`, in UTF-8 bytes. */
export const MAX_TEAM_BYTES = 64;
/**
 * Longest worker name in `Hello` (`foldnet worker --name`), in UTF-8 bytes: a label for a
 * dashboard row, like the team; the coordinator stores it sanitised (protocol/worker-name.ts).
 */
export const MAX_WORKER_NAME_BYTES = 64;
/** Longest error or rejection code, in UTF-8 bytes (`RESULT_ERROR_ENERGY_MISMATCH` is 28). */
export const MAX_CODE_BYTES = 64;
/** Longest human-readable message in `Verdict` and `Error`, in UTF-8 bytes. */
export const MAX_MESSAGE_BYTES = 1024;

/**
 * Largest frame, in bytes. The largest frame that can be valid is an `Openings` with
 * MAX_CHALLENGE_SEGMENTS openings, each a MAX_STATE_BYTES state and two proofs of
 * MAX_PROOF_HASHES hashes: 655,640 bytes (test/unit/protocol/limits.test.ts builds it). The
 * next-largest, a `ResultCommit` with a full final state, is about 9.4 KB. 648 KiB covers the
 * first with 1.2 % to spare; the WebSocket server's `maxPayload` should equal it.
 */
export const MAX_FRAME_BYTES = 648 * 1024;
