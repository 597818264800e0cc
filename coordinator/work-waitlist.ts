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
  /** Leases up to `slots` units and sends them; resolves to how many it sent. */
  readonly serve: (slots: number) => Promise<number>;
  /** Answers the rest of the request with noWork. */
  readonly giveUp: () => void;
}

/** The parked work requests of all connections. */
export class WorkWaitlist {
  private readonly parked = new Map<object, { request: ParkedRequest; timer: NodeJS.Timeout }>();

  /** The pass serving parked requests now, if one runs; `again` when units came meanwhile. */
  private draining: Promise<void> | undefined;
  private again = false;

  /** `onError` hears why a pass stopped (the store failed; requests stay parked until their time). */
  constructor(
    private readonly parkMs: number,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

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

  /**
   * Units were queued: serves parked requests in arrival order until the queue runs dry. One
   * pass runs at a time; a notification during a pass starts another when it ends.
   */
  notify(): void {
    if (this.draining !== undefined) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch(this.onError)
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.notify();
        }
      });
  }

  /** Resolves when no pass is running (tests and shutdown). */
  async settled(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    for (const [owner, entry] of this.parked) {
      const sent = await entry.request.serve(entry.request.slots);
      if (sent === 0) return;
      if (this.parked.get(owner) !== entry) continue; // cancelled while it was served
      entry.request.slots -= sent;
      if (entry.request.slots === 0) {
        clearTimeout(entry.timer);
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
