/**
 * What a researcher asks for when submitting a job, validated field by field, and how it is
 * cut into trajectories and generations of work units (docs/design.md "Jobs, trajectories
 * generations"). Every unit has SEGMENTS_PER_UNIT segments of K = unitSteps / 1024 steps, the
 * spot-check granularity of the proof of useful work.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { SimError } from "../sim/errors.js";
import { HP_SCALE, toHP } from "../sim/hydrophobicity.js";
import { type LatticeName, parseLattice } from "../sim/lattice.js";
import { MAX_REPLICAS } from "../sim/params.js";
import { parseSequence } from "../sim/sequence.js";
import { ApiError } from "./errors.js";

/** Segments per work unit (Merkle leaves − 1): spot checks replay m of these. */
export const SEGMENTS_PER_UNIT = 1024;
/**
 * Default steps per work unit: 2²⁶ ≈ 67 M, about 6 s of one thread on a 64-mer (minutes on a
 * slow volunteer). Verification costs m/L of the work plus ~1 ms per opened segment, so units
 * this size keep it under 5 % (bench:verify: 3.5 % at m = 30; a 2 M-step unit pays 9.5 %).
 * Small jobs get smaller units: never more than the job's steps per trajectory.
 */
export const DEFAULT_UNIT_STEPS = 65_536 * SEGMENTS_PER_UNIT;
/** Largest step budget of one job (10¹² attempts ≈ a day of 10,000 threads). */
export const MAX_JOB_STEPS = 1e12;
/** Largest work unit: 2³⁰ steps, about two minutes of one thread. */
export const MAX_UNIT_STEPS = 2 ** 30;
/** Most independent trajectories of one job. */
export const MAX_TRAJECTORIES = 256;
/** Highest job priority (a job's weight inside its account's fair share). */
export const MAX_PRIORITY = 100;
/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
const isControl = (c: number) =>
  c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;

/** Longest job name. */
export const MAX_NAME_LENGTH = 100;

/** True for an http(s) URL of at most 2048 characters. */
function isWebUrl(value: unknown): boolean {
  if (typeof value !== "string" || value.length > 2048) return false;
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** A protein sequence a job's HP sequence was mapped from. */
export interface JobInput {
  readonly aminoAcids: string;
  readonly scale: string;
}

/** A validated job request. */
export interface JobSpec {
  readonly name: string;
  readonly sequence: string;
  readonly lattice: LatticeName;
  /** The step budget asked for; the job runs trajectories × generations × unitSteps ≥ this. */
  readonly steps: number;
  readonly trajectories: number;
  readonly unitSteps: number;
  readonly replicas: number | undefined;
  readonly targetEnergy: number | undefined;
  /** Results and pictures only for the owner and admins (the HTTP API's `private`). */
  readonly private?: boolean;
  /** The amino acids the sequence was mapped from, and the scale (sim/hydrophobicity.ts). */
  readonly input?: JobInput;
  /** Where to POST a signed notification when the job ends (coordinator/webhooks.ts). */
  readonly notify?: string;
  /** Its part of its account's fair share, relative to the account's other jobs (default 1). */
  readonly priority?: number;
}

const badField = (field: string, message: string) =>
  new ApiError({ code: "API_ERROR_BAD_REQUEST", status: 400, field }, message);

function integerField(
  body: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
  fallback?: number,
): number {
  const value = body[field] ?? fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
    throw badField(field, `${field} must be an integer in [${min}, ${max}]`);
  }
  return value;
}

/**
 * Validates a job request body.
 * @throws {ApiError} API_ERROR_BAD_REQUEST naming the first bad field.
 */
export function parseJobSpec(body: unknown): JobSpec {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badField("body", "the request body must be a JSON object");
  }
  const b = body as Record<string, unknown>;
  let sequence: string;
  let lattice: LatticeName;
  let input: JobInput | undefined;
  try {
    if (b.aminoAcids !== undefined && b.sequence !== undefined)
      throw badField("aminoAcids", "give sequence (H/P) or aminoAcids, not both");
    if (b.aminoAcids !== undefined) {
      if (typeof b.aminoAcids !== "string")
        throw badField("aminoAcids", "aminoAcids must be a string of one-letter codes");
      sequence = toHP(b.aminoAcids);
      input = { aminoAcids: b.aminoAcids.toUpperCase(), scale: HP_SCALE };
    } else {
      sequence = parseSequence(
        typeof b.sequence === "string" ? b.sequence.toUpperCase() : b.sequence,
      );
    }
    lattice = parseLattice(b.lattice ?? "square2d");
  } catch (err) {
    if (err instanceof SimError) {
      const { field, position } = err.type as { field: string; position?: number };
      throw new ApiError(
        {
          code: "API_ERROR_BAD_REQUEST",
          status: 400,
          field,
          ...(position === undefined ? {} : { position }),
        },
        err.message,
      );
    }
    throw err;
  }
  const steps = integerField(b, "steps", SEGMENTS_PER_UNIT, MAX_JOB_STEPS);
  const trajectories = integerField(b, "trajectories", 1, MAX_TRAJECTORIES, 2);
  const unitSteps = integerField(
    b,
    "unitSteps",
    SEGMENTS_PER_UNIT,
    MAX_UNIT_STEPS,
    Math.min(DEFAULT_UNIT_STEPS, roundUpToSegments(steps / trajectories)),
  );
  if (unitSteps % SEGMENTS_PER_UNIT !== 0)
    throw badField("unitSteps", `unitSteps must be a multiple of ${SEGMENTS_PER_UNIT}`);
  const replicas =
    b.replicas === undefined ? undefined : integerField(b, "replicas", 1, MAX_REPLICAS);
  const targetEnergy =
    b.targetEnergy === undefined ? undefined : integerField(b, "targetEnergy", -100_000, 0);
  const name = b.name ?? "";
  if (typeof name !== "string" || name.length > MAX_NAME_LENGTH) {
    throw badField("name", `name must be a string of at most ${MAX_NAME_LENGTH} characters`);
  }
  if ([...name].some((ch) => isControl(ch.codePointAt(0)!))) {
    // a name ends up in titles, logs and the PDB file's header lines
    throw badField("name", "name must not hold control characters or line breaks");
  }
  const priority = integerField(b, "priority", 1, MAX_PRIORITY, 1);
  const notify = b.notify;
  if (notify !== undefined && !isWebUrl(notify))
    throw badField("notify", "notify must be an http or https URL of at most 2048 characters");
  const isPrivate = b.private ?? false;
  if (typeof isPrivate !== "boolean") throw badField("private", "private must be true or false");
  return {
    name,
    sequence,
    lattice,
    steps,
    trajectories,
    unitSteps,
    replicas,
    targetEnergy,
    private: isPrivate,
    priority,
    ...(input === undefined ? {} : { input }),
    ...(notify === undefined ? {} : { notify: notify as string }),
  };
}

function roundUpToSegments(steps: number): number {
  return Math.max(1, Math.ceil(steps / SEGMENTS_PER_UNIT)) * SEGMENTS_PER_UNIT;
}

/** Generations per trajectory so that trajectories × generations × unitSteps ≥ steps. */
export function generationsFor(
  spec: Pick<JobSpec, "steps" | "trajectories" | "unitSteps">,
): number {
  return Math.max(1, Math.ceil(spec.steps / (spec.trajectories * spec.unitSteps)));
}

/** The PRNG seed of trajectory t of a job: the first 8 bytes of a domain-separated hash. */
export function trajectorySeed(jobId: string, trajectory: number): bigint {
  const digest = sha256(utf8ToBytes(`foldnet/v1/trajectory-seed\u0000${jobId}\u0000${trajectory}`));
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, true);
}
