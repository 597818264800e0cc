/**
 * Long-polling for work: a work request that finds the queue empty is parked instead of
 * answered with `noWork` at once, and served as soon as units are queued (a result accepted
 * starts the trajectory's next generation, a job is submitted, a lease expires). Without it a
 * worker that asks for work right after committing a result — before its next generation
 * exists — would idle a whole retry interval per unit. A parked request that finds nothing
 * within `parkMs` gets `noWork`.
 * @module
 */

/** A parked request: how many units it still wants and how to serve it. */
export interface ParkedRequest {
  /** Units still wanted. */
  slots: number;
  /** Leases up to `slots` units and sends them; returns how many it sent. */
  readonly serve: (slots: number) => number;
  /** Answers the rest of the request with noWork. */
  readonly giveUp: () => void;
}

/** The parked work requests of all connections. */
export class WorkWaitlist {
  private readonly parked = new Map<object, { request: ParkedRequest; timer: NodeJS.Timeout }>();

  constructor(private readonly parkMs: number) {}

  /** Requests waiting now. */
  get size(): number {
    return this.parked.size;
  }

  /**
   * Parks the rest of `owner`'s request until work comes or parkMs passes. A second request
   * of the same owner while one is parked adds its slots to it (a worker asks again for each
   * thread that frees up).
   */
  park(owner: object, request: ParkedRequest): void {
    const parked = this.parked.get(owner);
    if (parked !== undefined) {
      parked.request.slots += request.slots;
      return;
    }
    const timer = setTimeout(() => {
      this.parked.delete(owner);
      request.giveUp();
    }, this.parkMs);
    timer.unref();
    this.parked.set(owner, { request, timer });
  }

  /** Drops `owner`'s parked request without answering it (its connection closed). */
  cancel(owner: object): void {
    const entry = this.parked.get(owner);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    this.parked.delete(owner);
  }

  /** Units were queued: serves parked requests in arrival order until the queue runs dry. */
  notify(): void {
    for (const [owner, { request, timer }] of this.parked) {
      const sent = request.serve(request.slots);
      if (sent === 0) return;
      request.slots -= sent;
      if (request.slots === 0) {
        clearTimeout(timer);
        this.parked.delete(owner);
      }
    }
  }

  /** Answers every parked request with noWork (shutdown). */
  clear(): void {
    for (const [owner, { request }] of this.parked) {
      this.cancel(owner);
      request.giveUp();
    }
  }
}
