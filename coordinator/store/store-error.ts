/**
 * The store's own failure: the database cannot be reached or answered with a connection
 * error. Nothing of the call was committed; the caller answers "try again" (a worker's frame,
 * an API request's 503) and the coordinator stays up until the database returns.
 * @module
 */
import { FoldnetError } from "../../common/errors.js";

/** The database did not answer (connection refused, lost, or timed out); `server` names it. */
export class StoreError extends FoldnetError<{ code: "STORE_ERROR_UNAVAILABLE"; server: string }> {}
