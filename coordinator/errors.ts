/**
 * Typed errors of the coordinator: the HTTP job API (`API_ERROR_…`) and the checks of
 * submitted results (`RESULT_ERROR_…`). A result error carries the action the coordinator
 * takes: `REJECT` (the sender is at fault: strike it) or `IGNORE` (stale or duplicate).
 * An audit of a job's start states raises `COOPERATION_ERROR_…`.
 * @module
 */
import { ErrorAction, FoldnetError } from "../common/errors.js";

/** One bad line of a batch. */
export interface BatchLineError {
  readonly line: number;
  readonly field: string;
  readonly message: string;
}

/** Errors of the HTTP API, each with its HTTP status. */
export type ApiErrorType =
  | { code: "API_ERROR_UNAUTHORIZED"; status: 401 }
  | { code: "API_ERROR_BAD_REQUEST"; status: 400; field: string; position?: number }
  /** A batch refused whole: every bad line (1-based) with its field. */
  | { code: "API_ERROR_BAD_BATCH"; status: 400; errors: BatchLineError[] }
  /** The key is valid but its account may not do this (another's job, an admin action). */
  | { code: "API_ERROR_FORBIDDEN"; status: 403 }
  | { code: "API_ERROR_NOT_FOUND"; status: 404 }
  | { code: "API_ERROR_CONFLICT"; status: 409 }
  /** A transfer the ledger cannot take; `reason` is the ledger's code (nonce, overdraft, signature). */
  | { code: "API_ERROR_TRANSFER_REFUSED"; status: 409; reason: string }
  /** An escrow the ledger cannot take; `reason` is the ledger's code (signature, nonce, overdraft, job). */
  | { code: "API_ERROR_ESCROW_REFUSED"; status: 409; reason: string }
  | { code: "API_ERROR_TOO_LARGE"; status: 413 }
  /** The account (API key) is at its quota of running jobs or trajectories. */
  | { code: "API_ERROR_QUOTA"; status: 429; limit: string };

/** An error the HTTP API answers with its status and a JSON body. */
export class ApiError extends FoldnetError<ApiErrorType> {}

/** Why a result was not accepted. */
export type ResultErrorCode =
  | "RESULT_ERROR_UNKNOWN_ASSIGNMENT"
  | "RESULT_ERROR_NOT_ASSIGNED"
  | "RESULT_ERROR_BAD_SIGNATURE"
  | "RESULT_ERROR_WRONG_UNIT"
  | "RESULT_ERROR_WRONG_STEPS"
  | "RESULT_ERROR_BAD_STATE"
  | "RESULT_ERROR_STATE_MISMATCH"
  | "RESULT_ERROR_BAD_FOLD"
  | "RESULT_ERROR_ENERGY_MISMATCH"
  | "RESULT_ERROR_BEST_MISMATCH"
  | "RESULT_ERROR_WORK_MISMATCH"
  | "RESULT_ERROR_BAD_OPENINGS"
  /** The assignment was already committed to another Merkle root (a re-rolled challenge). */
  | "RESULT_ERROR_ROOT_CHANGED"
  | "RESULT_ERROR_STALE"
  | "RESULT_ERROR_BANNED";

/** A result check that failed, with the action the coordinator takes. */
export class ResultError extends FoldnetError<{ code: ResultErrorCode; action: ErrorAction }> {
  constructor(code: ResultErrorCode, message: string, action: ErrorAction = ErrorAction.REJECT) {
    super({ code, action }, message);
  }
}

/** A coordinator whose key is not the one that signed the network's chain (it would fork it). */
export class NetworkKeyError extends FoldnetError<{ code: "COORDINATOR_ERROR_WRONG_KEY" }> {}

/** A unit whose recorded start does not follow from the job's stored states (cooperation.ts). */
export class CooperationError extends FoldnetError<{
  code: "COOPERATION_ERROR_SOURCE" | "COOPERATION_ERROR_START";
  unitId: string;
}> {}
