/**
 * The worker's spool: a directory holding every finished result until the coordinator's
 * verdict, so that no result is lost to a worker crash or a coordinator outage. One file per
 * assignment, `<assignmentId hex>.json`, holding everything needed to re-send the commit and
 * to answer a challenge after a restart (format below and in docs/worker.md).
 *
 * Crash safety: a file is written to a temp name (`.<id>.json.tmp-<pid>-<n>`), fsync'd,
 * renamed over its final name and the directory fsync'd; rename is atomic on POSIX file
 * systems, so after a crash a result is either absent (it was never committed to the
 * coordinator either: the spool write comes first) or complete. Leftover temp files are
 * deleted by `open()`. A file that does not parse or does not check (see `decodeSpooled`) is
 * renamed to `<name>.corrupt`, logged, and skipped; it never stops the worker.
 *
 * Format (JSON, one object, version field `format: "foldnet-spool/2"`): hex for the short
 * binary fields (`assignmentId`, `merkleRoot`, `signature`), base64 for the states
 * (`finalState`, `anchorStates[]`) and for the L + 1 Merkle leaves (`leaves`, one string of
 * 32-byte hashes). On load the leaves must give the stored `merkleRoot`, every kept state must
 * hash to its leaf (anchor i to leaf i·S, the final state to the last) — which catches a
 * damaged state — and the signature is checked against the worker's key. Version 1 kept every
 * segment's state (L of them), too many once units have 131,072 segments; its files are
 * quarantined like any unknown format.
 * @module
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { join } from "node:path";
import { equalBytes } from "@noble/curves/utils.js";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { type Logger, silentLogger } from "../common/log.js";
import { resultCommitPayload } from "../protocol/canonical.js";
import { verifySignature } from "../protocol/identity.js";
import { HASH_BYTES } from "../protocol/limits.js";
import { merkleRoot } from "../protocol/merkle.js";
import { stateHash } from "../sim/state-codec.js";
import { WorkerError } from "./errors.js";
import { lockSpool } from "./spool-lock.js";

/** The format tag of spool files; a different tag is treated as corrupt. */
export const SPOOL_FORMAT = "foldnet-spool/2";
/** Suffix given to quarantined files. */
export const CORRUPT_SUFFIX = ".corrupt";
const FILE_SUFFIX = ".json";
const TEMP_MARK = ".tmp-";
const ASSIGNMENT_ID_BYTES = 16;

/** A finished, signed result waiting for its verdict. */
export interface SpooledResult {
  /** 16 bytes, from the assignment. */
  readonly assignmentId: Uint8Array;
  readonly unitId: string;
  readonly jobId: string;
  readonly steps: number;
  /** K of the assignment. */
  readonly checkpointInterval: number;
  /** The lease deadline (coordinator clock, Unix ms); informational. */
  readonly deadlineMs: number;
  readonly bestFold: string;
  readonly bestEnergy: number;
  readonly finalState: Uint8Array;
  /** The steps/K + 1 Merkle leaves (state hashes after 0, K, 2K … steps). */
  readonly leaves: readonly Uint8Array[];
  /** S: segments between two kept states. */
  readonly anchorStride: number;
  /** ⌈L/S⌉ states: `anchorStates[i]` is the preimage of `leaves[i·S]`. */
  readonly anchorStates: readonly Uint8Array[];
  readonly merkleRoot: Uint8Array;
  /** The worker's ed25519 signature of the commit payload. */
  readonly signature: Uint8Array;
  /** When the unit finished (worker clock, Unix ms). */
  readonly finishedAtMs: number;
}

/** Serializes a result as the spool's JSON text. */
export function encodeSpooled(r: SpooledResult): string {
  return JSON.stringify({
    format: SPOOL_FORMAT,
    assignmentId: bytesToHex(r.assignmentId),
    unitId: r.unitId,
    jobId: r.jobId,
    steps: r.steps,
    checkpointInterval: r.checkpointInterval,
    deadlineMs: r.deadlineMs,
    bestFold: r.bestFold,
    bestEnergy: r.bestEnergy,
    merkleRoot: bytesToHex(r.merkleRoot),
    signature: bytesToHex(r.signature),
    finishedAtMs: r.finishedAtMs,
    finalState: Buffer.from(r.finalState).toString("base64"),
    leaves: Buffer.concat(r.leaves).toString("base64"),
    anchorStride: r.anchorStride,
    anchorStates: r.anchorStates.map((s) => Buffer.from(s).toString("base64")),
  });
}

/** Thrown by decodeSpooled with the reason a file is rejected. */
class SpoolFormatError extends Error {}

function field<T>(
  obj: Record<string, unknown>,
  name: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const v = obj[name];
  if (!check(v)) throw new SpoolFormatError(`${name} must be ${what}`);
  return v;
}
const isString = (v: unknown): v is string => typeof v === "string";
const isSafeInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isHex = (v: unknown): v is string => typeof v === "string" && /^(?:[0-9a-f]{2})*$/.test(v);
const isBase64 = (v: unknown): v is string =>
  typeof v === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(v) && v.length % 4 === 0;

/**
 * Parses and checks spool JSON text: every field present and typed, steps/K + 1 leaves whose
 * Merkle root is the stored root, each kept state hashing to its leaf and, given the
 * worker's `publicKey`, the signature valid over the commit payload (so every field the
 * coordinator sees is checked; only jobId, deadlineMs and finishedAtMs are not).
 * @throws {Error} (internal SpoolFormatError) naming the first problem.
 */
export function decodeSpooled(text: string, publicKey?: Uint8Array): SpooledResult {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    throw new SpoolFormatError("not JSON (truncated?)");
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj))
    throw new SpoolFormatError("not a JSON object");
  const o = obj as Record<string, unknown>;
  if (o.format !== SPOOL_FORMAT) throw new SpoolFormatError(`format must be ${SPOOL_FORMAT}`);
  const steps = field(o, "steps", isSafeInt, "an integer");
  const checkpointInterval = field(o, "checkpointInterval", isSafeInt, "an integer");
  if (checkpointInterval < 1 || steps < checkpointInterval || steps % checkpointInterval !== 0)
    throw new SpoolFormatError("steps must be a positive multiple of checkpointInterval");
  const segments = steps / checkpointInterval;
  const leafBytes = Buffer.from(field(o, "leaves", isBase64, "base64"), "base64");
  if (leafBytes.length !== HASH_BYTES * (segments + 1))
    throw new SpoolFormatError("leaves must hold steps/checkpointInterval + 1 hashes");
  const leaves = Array.from(
    { length: segments + 1 },
    (_, j) => new Uint8Array(leafBytes.subarray(j * HASH_BYTES, (j + 1) * HASH_BYTES)),
  );
  const anchorStride = field(o, "anchorStride", isSafeInt, "an integer");
  if (anchorStride < 1) throw new SpoolFormatError("anchorStride must be positive");
  const states = field(o, "anchorStates", Array.isArray, "an array");
  if (states.length !== Math.ceil(segments / anchorStride))
    throw new SpoolFormatError("anchorStates must hold ⌈L/anchorStride⌉ states");
  const anchorStates = states.map((s, i) => {
    if (!isBase64(s)) throw new SpoolFormatError(`anchorStates[${i}] must be base64`);
    const state = new Uint8Array(Buffer.from(s, "base64"));
    if (!equalBytes(stateHash(state), leaves[i * anchorStride]!))
      throw new SpoolFormatError(`anchorStates[${i}] does not hash to its leaf`);
    return state;
  });
  const assignmentId = hexToBytes(field(o, "assignmentId", isHex, "hex"));
  if (assignmentId.length !== ASSIGNMENT_ID_BYTES)
    throw new SpoolFormatError(`assignmentId must be ${ASSIGNMENT_ID_BYTES} bytes`);
  const result: SpooledResult = {
    assignmentId,
    unitId: field(o, "unitId", isString, "a string"),
    jobId: field(o, "jobId", isString, "a string"),
    steps,
    checkpointInterval,
    deadlineMs: field(o, "deadlineMs", isSafeInt, "an integer"),
    bestFold: field(o, "bestFold", isString, "a string"),
    bestEnergy: field(o, "bestEnergy", isSafeInt, "an integer"),
    merkleRoot: hexToBytes(field(o, "merkleRoot", isHex, "hex")),
    signature: hexToBytes(field(o, "signature", isHex, "hex")),
    finishedAtMs: field(o, "finishedAtMs", isSafeInt, "an integer"),
    finalState: new Uint8Array(Buffer.from(field(o, "finalState", isBase64, "base64"), "base64")),
    leaves,
    anchorStride,
    anchorStates,
  };
  if (!equalBytes(stateHash(result.finalState), leaves[segments]!))
    throw new SpoolFormatError("finalState does not hash to the last leaf");
  if (!equalBytes(merkleRoot(leaves), result.merkleRoot))
    throw new SpoolFormatError("the leaves do not hash to merkleRoot");
  if (
    publicKey !== undefined &&
    !verifySignature(publicKey, commitPayloadOf(result), result.signature)
  )
    throw new SpoolFormatError("the signature does not verify");
  return result;
}

/** The canonical payload a result's signature covers (`finalStateHash` recomputed). */
function commitPayloadOf(r: SpooledResult): Uint8Array {
  try {
    return resultCommitPayload({ ...r, finalStateHash: stateHash(r.finalState) });
  } catch (err) {
    throw new SpoolFormatError(`a signed field cannot be encoded: ${(err as Error).message}`);
  }
}

/** Options of a spool. */
export interface SpoolOptions {
  readonly log?: Logger;
  /** The worker's public key: when given, loading checks each result's signature. */
  readonly publicKey?: Uint8Array;
}

/** A directory of spooled results (one worker process per directory). */
export class Spool {
  readonly dir: string;
  private readonly log: Logger;
  private readonly publicKey: Uint8Array | undefined;
  private tempCounter = 0;
  private unlock: (() => Promise<void>) | undefined;

  constructor(dir: string, opts: SpoolOptions = {}) {
    this.dir = dir;
    this.log = opts.log ?? silentLogger;
    this.publicKey = opts.publicKey;
  }

  /**
   * Creates the directory if needed, locks it (spool-lock.ts) and deletes temp files left by
   * a crash mid-write.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_LOCKED when another worker uses the directory,
   * WORKER_ERROR_SPOOL_IO when it cannot be created or read.
   */
  async open(): Promise<void> {
    await io(this.dir, "mkdir", () => mkdir(this.dir, { recursive: true, mode: 0o700 }));
    this.unlock ??= await lockSpool(this.dir);
    for (const name of await this.names()) {
      if (!name.includes(TEMP_MARK)) continue;
      this.log.warn("spool: removing an unfinished write", { file: name });
      await io(join(this.dir, name), "unlink", () => unlink(join(this.dir, name)));
    }
  }

  /** Releases the directory's lock. */
  async close(): Promise<void> {
    await this.unlock?.();
    this.unlock = undefined;
  }

  /**
   * Stores a result durably (temp file, fsync, rename, directory fsync); overwrites an entry
   * for the same assignment. Resolves once the result survives a crash.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO.
   */
  async save(result: SpooledResult): Promise<void> {
    const id = bytesToHex(result.assignmentId);
    const final = join(this.dir, `${id}${FILE_SUFFIX}`);
    const temp = join(
      this.dir,
      `.${id}${FILE_SUFFIX}${TEMP_MARK}${process.pid}-${this.tempCounter++}`,
    );
    const text = encodeSpooled(result);
    await io(temp, "write", async () => {
      const fh = await open(temp, "wx", 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
    });
    try {
      await io(final, "rename", () => rename(temp, final));
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw err;
    }
    await this.syncDir();
  }

  /**
   * The assignment ids (hex) of all spooled results, oldest name first. Skips temp and
   * quarantined files.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO when the directory cannot be read.
   */
  async ids(): Promise<string[]> {
    return (await this.names())
      .filter((n) => n.endsWith(FILE_SUFFIX) && !n.startsWith("."))
      .map((n) => n.slice(0, -FILE_SUFFIX.length))
      .filter((id) => /^[0-9a-f]{32}$/.test(id))
      .sort();
  }

  /**
   * Loads one result. A file that fails to decode is quarantined (renamed `.corrupt`),
   * logged, and reported as absent.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO on an I/O failure other than "not found".
   */
  async load(assignmentIdHex: string): Promise<SpooledResult | undefined> {
    const file = join(this.dir, `${assignmentIdHex}${FILE_SUFFIX}`);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw ioError(file, "read", err);
    }
    try {
      return decodeSpooled(text, this.publicKey);
    } catch (err) {
      if (!(err instanceof SpoolFormatError)) throw err;
      await this.quarantine(file, err.message);
      return undefined;
    }
  }

  /**
   * Loads every spooled result, quarantining the corrupt ones.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO.
   */
  async list(): Promise<SpooledResult[]> {
    const out: SpooledResult[] = [];
    for (const id of await this.ids()) {
      const r = await this.load(id);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  /**
   * Removes a result (after its verdict). Resolves false when it was not there.
   * @throws {WorkerError} WORKER_ERROR_SPOOL_IO.
   */
  async remove(assignmentIdHex: string): Promise<boolean> {
    const file = join(this.dir, `${assignmentIdHex}${FILE_SUFFIX}`);
    try {
      await unlink(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
      throw ioError(file, "unlink", err);
    }
    await this.syncDir();
    return true;
  }

  private async quarantine(file: string, reason: string): Promise<void> {
    const target = `${file}.${Date.now()}-${randomBytes(3).toString("hex")}${CORRUPT_SUFFIX}`;
    this.log.error("spool: quarantined a corrupt result file", { file, reason, movedTo: target });
    try {
      await rename(file, target);
    } catch (err) {
      // Left in place it would be reported again; never fatal.
      this.log.error("spool: could not quarantine", { file, error: err });
    }
  }

  private async names(): Promise<string[]> {
    return io(this.dir, "readdir", () => readdir(this.dir));
  }

  /** fsync the directory so a rename or unlink is durable (a no-op where unsupported). */
  private async syncDir(): Promise<void> {
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fh = await open(this.dir, "r");
      await fh.sync();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Windows cannot open or fsync a directory; elsewhere this is a real failure.
      if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL")
        throw ioError(this.dir, "fsync", err);
    } finally {
      await fh?.close();
    }
  }
}

function ioError(file: string, op: string, err: unknown): WorkerError {
  return new WorkerError(
    { code: "WORKER_ERROR_SPOOL_IO", file, op },
    `spool ${op} ${file}: ${(err as Error).message}`,
  );
}

async function io<T>(file: string, op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WorkerError) throw err;
    throw ioError(file, op, err);
  }
}
