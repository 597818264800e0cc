/**
 * The snapshot a VolunteerWorker reports through `status()`: connection state, the units its
 * threads run, throughput and the results and tokens of this session. The progress display
 * and tests read it; it is plain data.
 * @module
 */

/** Where the worker's connection stands. */
export type ConnectionState =
  | "idle"
  | "connecting"
  | "authenticating"
  | "connected"
  | "waiting"
  | "closed";

/** One unit in the pool (running or queued). */
export interface UnitStatus {
  /** Assignment id, hex. */
  readonly assignmentId: string;
  readonly unitId: string;
  readonly jobId: string;
  readonly steps: number;
  readonly stepsDone: number;
  /** Best energy reported by the thread so far (undefined before the first report). */
  readonly bestEnergy: number | undefined;
  /** Steps per second over the unit's life so far. */
  readonly stepsPerSecond: number;
  readonly startedAtMs: number;
}

/** A status snapshot of the worker. */
export interface WorkerStatus {
  readonly connection: ConnectionState;
  /** The coordinator URL connected to (or tried next). */
  readonly coordinator: string;
  /** Short id of the worker's public key (protocol/identity keyId). */
  readonly keyId: string;
  /** The id the coordinator gave at welcome, once connected. */
  readonly workerId: string | undefined;
  readonly threads: number;
  readonly units: readonly UnitStatus[];
  /** Sum of the running units' rates. */
  readonly stepsPerSecond: number;
  /** Lowest energy seen in any unit this session. */
  readonly bestEnergy: number | undefined;
  /** Commits sent (re-sends included). */
  readonly resultsSubmitted: number;
  readonly resultsAccepted: number;
  /** Results rejected as faulty (a stale result, its unit done by another, is not counted). */
  readonly resultsRejected: number;
  /** Tokens credited by accepted verdicts this session, in base units. */
  readonly tokensEarned: bigint;
  /** Results in the spool awaiting a verdict. */
  readonly spooled: number;
  /** Successful handshakes after the first. */
  readonly reconnects: number;
}
