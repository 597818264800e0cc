/**
 * What a researcher asks for when submitting a job, validated field by field, and how it is
 * cut into trajectories and generations of work units (docs/design.md "Jobs, trajectories
 * generations"). A unit of N steps has L = `segmentsForUnit(N)` segments of K = N / L steps, the
 * spot-check granularity of the proof of useful work: L grows with the unit (1,024 … 131,072) so
 * the replayed share (m + 2)/L shrinks as units get longer.
 * @module
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { MAX_SEGMENTS_PER_UNIT } from "../protocol/limits.js";
import { SimError } from "../sim/errors.js";
import { HP_SCALE, toHP } from "../sim/hydrophobicity.js";
import { DEFAULT_LATTICE, type LatticeName, parseLattice } from "../sim/lattice.js";
import { type ModelName, modelSpec, parseModel } from "../sim/model.js";
import { MAX_REPLICAS } from "../sim/params.js";
import { parseSequence } from "../sim/sequence.js";
import { ApiError } from "./errors.js";

/** Fewest segments of a unit (Merkle leaves − 1); unit sizes are multiples of it. */
export const MIN_SEGMENTS_PER_UNIT = 1024;
/** Fewest steps per segment before a unit gets more segments (≈ 2 ms of replay on a 64-mer). */
export const MIN_SEGMENT_STEPS = 32_768;
/**
 * Default steps per work unit: 2³² ≈ 4.3 G, about 5 minutes of one thread on a 64-mer (tens of
 * minutes on a slow volunteer), cut into L = 131,072 segments of K = 32,768: the coordinator
 * replays (m + 2)/L = 0.032 % of it (docs/verification.md, decisions 38–39). Small jobs get
 * smaller units: never more than the job's steps per trajectory.
 */
export const DEFAULT_UNIT_STEPS = 2 ** 32;
/** Largest step budget of one job (10¹² attempts ≈ a day of 10,000 threads). */
export const MAX_JOB_STEPS = 1e12;
/** Largest work unit: 2³⁴ steps, about twenty minutes of one thread (K = 2¹⁷ at L = 131,072). */
export const MAX_UNIT_STEPS = 2 ** 34;
/** Most independent trajectories of one job. */
export const MAX_TRAJECTORIES = 256;
/**
 * Lowest `targetEnergy` of a job of `model`: −100,000 in HP, scaled by the model's strongest
 * contact (MJ: 737 → −73,700,000, past any fold of 256 residues: at most 10 contacts each).
 */
export const minTargetEnergy = (model: ModelName): number =>
  -100_000 * Math.max(...modelSpec(model).strengths);
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
  /** The energy model (`hp` unless asked); an `mj` sequence is amino acids. */
  readonly model: ModelName;
  /** The step budget asked for; the job runs trajectories × generations × unitSteps ≥ this. */
  readonly steps: number;
  readonly trajectories: number;
  readonly unitSteps: number;
  readonly replicas: number | undefined;
  readonly targetEnergy: number | undefined;
  /**
   * Whether a trajectory's next unit may start from a stronger verified state of another
   * (coordinator/cooperation.ts); default: on with 2 or more trajectories.
   */
  readonly cooperate: boolean;
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
  let model: ModelName;
  let input: JobInput | undefined;
  try {
    model = parseModel(b.model ?? "hp");
    if (b.aminoAcids !== undefined && b.sequence !== undefined)
      throw badField("aminoAcids", "give sequence (H/P) or aminoAcids, not both");
    if (model !== "hp") {
      // the model's own alphabet: amino acids are the sequence, not mapped to H/P
      const field = b.aminoAcids === undefined ? "sequence" : "aminoAcids";
      const value = b[field];
      sequence = parseSequence(
        typeof value === "string" ? value.toUpperCase() : value,
        field,
        model,
      );
    } else if (b.aminoAcids !== undefined) {
      if (typeof b.aminoAcids !== "string")
        throw badField("aminoAcids", "aminoAcids must be a string of one-letter codes");
      sequence = toHP(b.aminoAcids);
      input = { aminoAcids: b.aminoAcids.toUpperCase(), scale: HP_SCALE };
    } else {
      sequence = parseSequence(
        typeof b.sequence === "string" ? b.sequence.toUpperCase() : b.sequence,
      );
    }
    lattice = parseLattice(b.lattice ?? DEFAULT_LATTICE);
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
  const steps = integerField(b, "steps", MIN_SEGMENTS_PER_UNIT, MAX_JOB_STEPS);
  const trajectories = integerField(b, "trajectories", 1, MAX_TRAJECTORIES, 2);
  const unitSteps = integerField(
    b,
    "unitSteps",
    MIN_SEGMENTS_PER_UNIT,
    MAX_UNIT_STEPS,
    Math.min(DEFAULT_UNIT_STEPS, roundUpToSegments(steps / trajectories)),
  );
  if (unitSteps % MIN_SEGMENTS_PER_UNIT !== 0)
    throw badField("unitSteps", `unitSteps must be a multiple of ${MIN_SEGMENTS_PER_UNIT}`);
  const replicas =
    b.replicas === undefined ? undefined : integerField(b, "replicas", 1, MAX_REPLICAS);
  const targetEnergy =
    b.targetEnergy === undefined
      ? undefined
      : integerField(b, "targetEnergy", minTargetEnergy(model), 0);
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
  const cooperate = b.cooperate ?? trajectories >= 2;
  if (typeof cooperate !== "boolean")
    throw badField("cooperate", "cooperate must be true or false");
  return {
    name,
    sequence,
    lattice,
    model,
    steps,
    trajectories,
    unitSteps,
    replicas,
    targetEnergy,
    cooperate,
    private: isPrivate,
    priority,
    ...(input === undefined ? {} : { input }),
    ...(notify === undefined ? {} : { notify: notify as string }),
  };
}

function roundUpToSegments(steps: number): number {
  return Math.max(1, Math.ceil(steps / MIN_SEGMENTS_PER_UNIT)) * MIN_SEGMENTS_PER_UNIT;
}

/**
 * L, the segments of a unit of `unitSteps` (a multiple of MIN_SEGMENTS_PER_UNIT): the largest
 * power-of-two multiple of MIN_SEGMENTS_PER_UNIT, at most MAX_SEGMENTS_PER_UNIT, that divides
 * the unit into segments of at least MIN_SEGMENT_STEPS (MIN_SEGMENTS_PER_UNIT when none does).
 */
export function segmentsForUnit(unitSteps: number): number {
  let segments = MIN_SEGMENTS_PER_UNIT;
  while (
    segments * 2 <= MAX_SEGMENTS_PER_UNIT &&
    unitSteps % (segments * 2) === 0 &&
    unitSteps / (segments * 2) >= MIN_SEGMENT_STEPS
  )
    segments *= 2;
  return segments;
}

/** Generations per trajectory so that trajectories × generations × unitSteps ≥ steps. */
export function generationsFor(
  spec: Pick<JobSpec, "steps" | "trajectories" | "unitSteps">,
): number {
  return Math.max(1, Math.ceil(spec.steps / (spec.trajectories * spec.unitSteps)));
}

/** A PRNG seed: the first 8 bytes (little-endian) of sha256 of `domain` and `parts`, 0-separated. */
export function hashSeed(domain: string, ...parts: readonly (string | number)[]): bigint {
  const digest = sha256(utf8ToBytes([domain, ...parts].join("\u0000")));
  return new DataView(digest.buffer, digest.byteOffset, 8).getBigUint64(0, true);
}

/** The PRNG seed of trajectory t of a job: the first 8 bytes of a domain-separated hash. */
export const trajectorySeed = (jobId: string, trajectory: number): bigint =>
  hashSeed("foldnet/v1/trajectory-seed", jobId, trajectory);
