/**
 * The worker's source of time: `now()` and timers, injected so that tests drive backoff,
 * progress throttling and heartbeats without sleeping (STYLE.md "Things to avoid" 5).
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
