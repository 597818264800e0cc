/**
 * Fair share as stride scheduling, pure: every account has a pass that grows by the steps it
 * is leased divided by its weight, and every job a pass inside its account that grows by its
 * steps divided by its priority. The next unit goes to the account with the lowest pass
 * (then the lowest name), and inside it to the job with the lowest pass (then the oldest).
 * So accounts share the work in proportion to their weights, an account's jobs share its
 * part in proportion to their priorities, and no job with queued units waits forever. The
 * state and the clamping of idle accounts live in store/sqlite-fair-share.ts.
 * @module
 */

/** A running job with queued units, as the next pick sees it. */
export interface ShareCandidate {
  readonly jobId: string;
  readonly createdAt: number;
  readonly account: string;
  /** The account's weight (> 0). */
  readonly weight: number;
  /** The job's priority (> 0). */
  readonly priority: number;
  accountPass: number;
  jobPass: number;
}

/** The candidate whose job gets the next unit (none when `candidates` is empty). */
export function pickNext(candidates: readonly ShareCandidate[]): ShareCandidate | undefined {
  let best: ShareCandidate | undefined;
  for (const c of candidates) {
    if (best === undefined || before(c, best)) best = c;
  }
  return best;
}

function before(a: ShareCandidate, b: ShareCandidate): boolean {
  if (a.accountPass !== b.accountPass) return a.accountPass < b.accountPass;
  if (a.account !== b.account) return a.account < b.account;
  if (a.jobPass !== b.jobPass) return a.jobPass < b.jobPass;
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.jobId < b.jobId;
}

/** Charges `steps` leased for `picked`'s job to its account (all its candidates) and to the job. */
export function charge(
  candidates: readonly ShareCandidate[],
  picked: ShareCandidate,
  steps: number,
): void {
  const accountPass = picked.accountPass + steps / picked.weight;
  for (const c of candidates) if (c.account === picked.account) c.accountPass = accountPass;
  picked.jobPass += steps / picked.priority;
}

/** What one lease call's fair-share pass picked, and what of it the store saves. */
export interface SharePass<R> {
  readonly picked: R[];
  /** Units taken per job. */
  readonly taken: ReadonlyMap<string, number>;
  /** The virtual time after the pass. */
  readonly virtualTime: number;
}

/**
 * One lease call's stride scheduling over `all` (charged in place), starting at virtual time
 * `time`: yields each job whose turn it is with the count of its units taken so far, and is
 * sent that job's next unit (undefined when it has none left); `jobTimes` gets each picked
 * account's job pass. A generator, so the synchronous (SQLite) and the asynchronous
 * (PostgreSQL) store drive one and the same loop.
 */
export function* sharePass<R extends { readonly steps: number }>(
  all: ShareCandidate[],
  slots: number,
  time: number,
  jobTimes: Map<string, number>,
): Generator<{ jobId: string; skip: number }, SharePass<R>, R | undefined> {
  const candidates = [...all];
  const picked: R[] = [];
  const taken = new Map<string, number>();
  let virtualTime = time;
  while (picked.length < slots) {
    const c = pickNext(candidates);
    if (c === undefined) break;
    const row = yield { jobId: c.jobId, skip: taken.get(c.jobId) ?? 0 };
    if (row === undefined) {
      candidates.splice(candidates.indexOf(c), 1);
      continue;
    }
    taken.set(c.jobId, (taken.get(c.jobId) ?? 0) + 1);
    picked.push(row);
    virtualTime = c.accountPass;
    jobTimes.set(c.account, c.jobPass);
    charge(all, c, row.steps);
  }
  return { picked, taken, virtualTime };
}
