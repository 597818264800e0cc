/**
 * The source of time shared by every long-lived component: `now()` and timers, injected so
 * that tests drive backoff, progress throttling, heartbeats and schedules without
 * sleeping (docs/design.md "Conventions").
 * @module
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Time and timers. */
export interface Clock {
  /** Unix time in ms. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The real clock. Its timers keep the process alive (a worker waiting to reconnect must not
 * exit); components clear theirs in `stop()`.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
