/**
 * Node's process metrics (CPU, memory, event loop, handles) on a caller's prom-client
 * `Registry`, less prom-client's defaults that `promtool check metrics` flags. Shared by the
 * coordinator's and the worker's metrics.
 * @module
 */
import { collectDefaultMetrics, type Registry } from "prom-client";

/**
 * prom-client's default gauges whose names end in `_total` although they are not counters;
 * `promtool check metrics` flags them. Their per-type series (`nodejs_active_handles{type}`
 * and the like) carry the same figures and stay.
 */
const NONCONFORMING_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/**
 * Registers Node's process metrics (prom-client's defaults, less the misnamed ones) on
 * `register`.
 */
export function collectProcessMetrics(register: Registry): void {
  collectDefaultMetrics({ register });
  for (const name of NONCONFORMING_DEFAULTS) register.removeSingleMetric(name);
}
