/**
 * Sequences: validation of the residue strings researchers submit (letters of a model's
 * alphabet: `H`/`P` for the HP model, the 20 amino acids for MJ), and the length limits
 * every other part of foldnet relies on.
 * @module
 */
import { SimError } from "./errors.js";
import { type ModelName, modelSpec } from "./model.js";

/** Shortest chain foldnet accepts: one bond. */
export const MIN_RESIDUES = 2;
/**
 * Longest chain foldnet accepts. Public HP benchmarks go up to 136 residues; 256 keeps a 3D
 * occupancy box ((n + 8)³ cells of 2 bytes) under 35 MB per replica.
 */
export const MAX_RESIDUES = 256;

/**
 * Checks a sequence of `model` (letters of its alphabet only, MIN_RESIDUES…MAX_RESIDUES long).
 * @throws {SimError} SIM_ERROR_BAD_SEQUENCE naming `field` and the first bad position.
 */
export function parseSequence(value: unknown, field = "sequence", model: ModelName = "hp"): string {
  const { alphabet } = modelSpec(model);
  if (typeof value !== "string") {
    throw new SimError(
      { code: "SIM_ERROR_BAD_SEQUENCE", field },
      `${field} must be a string of ${alphabet}`,
    );
  }
  if (value.length < MIN_RESIDUES || value.length > MAX_RESIDUES) {
    throw new SimError(
      { code: "SIM_ERROR_BAD_SEQUENCE", field },
      `${field} must have ${MIN_RESIDUES}…${MAX_RESIDUES} residues, got ${value.length}`,
    );
  }
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (!alphabet.includes(c)) {
      throw new SimError(
        { code: "SIM_ERROR_BAD_SEQUENCE", field, position: i },
        `${field} may contain only ${alphabet} (${model}), found "${c}" at position ${i}`,
      );
    }
  }
  return value;
}
