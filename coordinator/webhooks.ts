/**
 * Job webhooks: when a job with a `notify` URL ends (done or cancelled), the coordinator POSTs
 * `{event, job, at}` there, signed with its ed25519 key: `x-foldnet-key` is the key and
 * `x-foldnet-signature` the signature, both hex, of WEBHOOK_DOMAIN + "\n" + the body. A 2xx
 * answer delivers it; anything else is retried with exponential backoff (1 s, 2 s, 4 s …) up
 * to MAX_ATTEMPTS. Due notifications are read from the store on every tick, so none is lost
 * across a restart.
 * @module
 */
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { Logger } from "../common/log.js";
import { type Identity, sign } from "../protocol/identity.js";
import { jobView } from "./http-api.js";
import type { Store } from "./store/store.js";

/** What a webhook's signature covers, before the body. */
export const WEBHOOK_DOMAIN = "foldnet/v1/webhook";
/** Attempts before a notification is given up. */
export const MAX_ATTEMPTS = 8;
/** The first retry's delay; each next one doubles it. */
export const FIRST_RETRY_MS = 1_000;
/** How long one POST may take. */
const POST_TIMEOUT_MS = 10_000;

/** The bytes a webhook's signature covers. */
export const webhookMessage = (body: string) => utf8ToBytes(`${WEBHOOK_DOMAIN}\n${body}`);

/** Sends due notifications every `intervalMs`. */
export class WebhookSender {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      readonly store: Store;
      readonly identity: Identity;
      readonly now: () => number;
      readonly log: Logger;
      /** True while this coordinator sends the network's notifications (one does). */
      readonly isSender?: () => boolean;
    },
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick()
        .catch((error: unknown) =>
          this.deps.log.warn("webhook pass failed; retried in a second", { error: `${error}` }),
        )
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Sends every notification due now, one attempt each. */
  async tick(): Promise<void> {
    const { store, identity, now, isSender } = this.deps;
    if (isSender?.() === false) return;
    for (const due of await store.webhooks.dueWebhooks(now(), 32)) {
      const job = await store.getJob(due.jobId);
      if (job === undefined) continue;
      const event = job.status === "done" ? "job.done" : "job.cancelled";
      const body = JSON.stringify({ event, job: jobView(job), at: now() });
      let ok = false;
      try {
        const res = await fetch(due.url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-foldnet-key": bytesToHex(identity.publicKey),
            "x-foldnet-signature": bytesToHex(sign(identity.secretKey, webhookMessage(body))),
          },
          body,
          signal: AbortSignal.timeout(POST_TIMEOUT_MS),
        });
        ok = res.ok;
        await res.body?.cancel();
      } catch (err) {
        this.deps.log.warn("webhook failed", { job: job.id, error: (err as Error).message });
      }
      const attempt = due.attempts + 1;
      const nextAt = attempt >= MAX_ATTEMPTS ? null : now() + FIRST_RETRY_MS * 2 ** (attempt - 1);
      await store.webhooks.webhookSent(job.id, ok, ok ? null : nextAt);
    }
  }
}
