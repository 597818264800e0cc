/**
 * The researcher's client of the coordinator's HTTP job API: typed calls over fetch, with
 * API errors turned back into FoldnetErrors carrying the server's code (and field).
 * @module
 */
import { FoldnetError } from "../common/errors.js";
import type { LatticeName } from "../sim/lattice.js";
import type { ModelName } from "../sim/model.js";

/** The JSON view of a job (coordinator/http-api.ts jobView). */
export interface JobView {
  id: string;
  name: string;
  sequence: string;
  lattice: LatticeName;
  model: ModelName;
  /** Whether its trajectories restart from each other's stronger states. */
  cooperate: boolean;
  status: "running" | "done" | "cancelled";
  steps: number;
  stepsPlanned: number;
  stepsDone: number;
  progress: number;
  trajectories: number;
  generations: number;
  unitSteps: number;
  targetEnergy: number | null;
  bestEnergy: number | null;
  bestFold: string | null;
  /** Seconds left at the verified steps/s so far (job detail only; null when unknown). */
  eta?: { stepsPerSecond: number; seconds: number } | null;
  unitsVerified: number;
  createdAt: number;
  finishedAt: number | null;
  /** The job's bounty escrow (decimal micro-tokens), on single-job reads; null when none. */
  bounty?: EscrowView | null;
}

/** A job's escrow (coordinator/escrow-api.ts escrowView). */
export interface EscrowView {
  jobId: string;
  funder: string;
  amount: string;
  budgetSteps: string;
  paid: string;
  refunded: string | null;
}

/** A key's account (coordinator/ledger-api.ts accountView). */
export interface AccountView {
  key: string;
  keyId: string;
  balance: string;
  nonce: string;
}

/** Turns `ws://host:port/ws` or `host:port` into the HTTP base URL. */
export function httpBase(url: string): string {
  const withScheme = /^[a-z]+:\/\//.test(url) ? url : `http://${url}`;
  const u = new URL(withScheme);
  u.protocol = u.protocol === "wss:" || u.protocol === "https:" ? "https:" : "http:";
  u.pathname = "";
  return u.toString().replace(/\/$/, "");
}

/** A client of one coordinator. */
export class ApiClient {
  readonly base: string;

  constructor(
    url: string,
    private readonly apiKey?: string,
  ) {
    this.base = httpBase(url);
  }

  /**
   * Calls the API and returns the parsed body (bytes for octet streams, text for other answers).
   * @throws {FoldnetError} with the server's error code, or CLIENT_ERROR_UNREACHABLE.
   */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.apiKey !== undefined) headers.authorization = `Bearer ${this.apiKey}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (err) {
      throw new FoldnetError(
        { code: "CLIENT_ERROR_UNREACHABLE", url: this.base },
        `cannot reach the coordinator at ${this.base} (${(err as Error).cause ?? (err as Error).message})`,
      );
    }
    const type = res.headers.get("content-type") ?? "";
    const data = type.startsWith("application/json")
      ? await res.json()
      : type.includes("octet-stream")
        ? new Uint8Array(await res.arrayBuffer())
        : await res.text();
    if (!res.ok) {
      const error = (data as { error?: { code?: string; message?: string } }).error;
      throw FoldnetError.fromObject({
        ...error,
        code: error?.code ?? `HTTP_${res.status}`,
        message: error?.message ?? `HTTP ${res.status}`,
      });
    }
    return data as T;
  }

  /** The coordinator's sealed chain as an export file (ledger/chain-file.ts). */
  exportChain(): Promise<Uint8Array> {
    return this.call("GET", "/api/ledger/export");
  }
  submit(spec: Record<string, unknown>): Promise<JobView> {
    return this.call("POST", "/api/jobs", spec);
  }
  job(id: string): Promise<JobView> {
    return this.call("GET", `/api/jobs/${encodeURIComponent(id)}`);
  }
  jobs(): Promise<{ jobs: JobView[] }> {
    return this.call("GET", "/api/jobs");
  }
  cancel(id: string): Promise<JobView> {
    return this.call("POST", `/api/jobs/${encodeURIComponent(id)}/cancel`);
  }
  account(key: string): Promise<AccountView> {
    return this.call("GET", `/api/ledger/balances/${key}`);
  }
  /** The coordinator's public key (hex): what a signed escrow or transfer is bound to. */
  async coordinatorKey(): Promise<string> {
    return (await this.call<{ coordinatorKey: string }>("GET", "/api/status")).coordinatorKey;
  }
  picture(id: string, kind: "svg" | "pdb"): Promise<string> {
    return this.call("GET", `/api/jobs/${encodeURIComponent(id)}/result.${kind}`);
  }
}
