/**
 * Typed errors of the simulation: bad sequences, folds, lattices, models, search parameters and
 * encoded states. Every code names the field at fault.
 * @module
 */
import { FoldnetError } from "../common/errors.js";

/** Codes and metadata of simulation errors. */
export type SimErrorType =
  | { code: "SIM_ERROR_BAD_SEQUENCE"; field: string; position?: number }
  | { code: "SIM_ERROR_UNKNOWN_LATTICE"; field: string; lattice: string }
  | { code: "SIM_ERROR_UNKNOWN_MODEL"; field: string; model: string }
  | {
      code: "SIM_ERROR_BAD_FOLD";
      field: string;
      reason: "length" | "letter" | "collision";
      position?: number;
    }
  | { code: "SIM_ERROR_BAD_PARAMETER"; field: string }
  | { code: "SIM_ERROR_BAD_STATE"; field: string };

/** An error raised by `sim/` for input it cannot accept. */
export class SimError extends FoldnetError<SimErrorType> {}
