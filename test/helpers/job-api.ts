/**
 * A coordinator shared by the tests of one file (started in `beforeAll`, stopped in
 * `afterAll`) with an API key, a low ban threshold and short parking, and the job API calls
 * those tests make against it.
 * @module
 */
import { afterAll, beforeAll, expect } from "vitest";
import type { Coordinator, CoordinatorAddress } from "../../coordinator/coordinator.js";
import { startTestCoordinator } from "./test-coordinator.js";

export const API_KEY = "fn_test_key";
/** Strikes before a ban: above the lies one test tells from one key. */
export const BAN_AFTER = 6;

/** The shared coordinator (read it inside tests, after `beforeAll`) and its job API. */
export interface JobApiCoordinator {
  readonly coordinator: Coordinator;
  readonly address: CoordinatorAddress;
  /** A JSON request to the HTTP API, with `key` as the bearer token. */
  api(
    path: string,
    init?: RequestInit & { key?: string },
    // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON responses
  ): Promise<{ status: number; body: Record<string, any> }>;
  /** Submits a one-trajectory, one-unit job (`extra` overrides fields); expects 201. */
  // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON responses
  submitJob(extra?: Record<string, unknown>): Promise<Record<string, any>>;
}

/** Registers the hooks that start and stop the file's coordinator. */
export function useJobApiCoordinator(): JobApiCoordinator {
  let started: { coordinator: Coordinator; address: CoordinatorAddress } | undefined;
  const running = () => {
    if (started === undefined) throw new Error("the coordinator starts in beforeAll");
    return started;
  };
  const api: JobApiCoordinator["api"] = async (path, init = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (init.key !== undefined) headers.authorization = `Bearer ${init.key}`;
    const res = await fetch(`${running().address.url}${path}`, { ...init, headers });
    // biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary JSON responses
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  beforeAll(async () => {
    started = await startTestCoordinator({
      apiKeys: [API_KEY],
      intake: { banAfterStrikes: BAN_AFTER },
      endpoint: { parkMs: 300 },
    });
  });
  afterAll(async () => {
    await started?.coordinator.stop();
  });
  return {
    get coordinator() {
      return running().coordinator;
    },
    get address() {
      return running().address;
    },
    api,
    async submitJob(extra = {}) {
      const res = await api("/api/jobs", {
        method: "POST",
        key: API_KEY,
        body: JSON.stringify({
          sequence: "HPHPPHHPHPPHPHHPPHPH",
          steps: 65_536,
          trajectories: 1,
          unitSteps: 65_536,
          ...extra,
        }),
      });
      expect(res.status).toBe(201);
      return res.body;
    },
  };
}
