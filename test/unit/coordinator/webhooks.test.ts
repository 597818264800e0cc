import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { silentLogger } from "../../../common/log.js";
import { ApiClient } from "../../../coordinator/api-client.js";
import type { Coordinator, CoordinatorAddress } from "../../../coordinator/coordinator.js";
import { webhookMessage } from "../../../coordinator/webhooks.js";
import { verifySignature } from "../../../protocol/identity.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { createCoordinator } from "../../helpers/test-coordinator.js";

const KEY = "fn_webhooks";
let now = 1_000_000;
let coordinator: Coordinator;
let address: CoordinatorAddress;
let receiver: Server;
let receiverUrl: string;
/** What the receiver got: each POST's verdict on its signature and its event. */
const received: { signed: boolean; event: string; jobId: string }[] = [];
/** Statuses the receiver answers with, in turn (then 200). */
const answers: number[] = [];

beforeAll(async () => {
  coordinator = await createCoordinator(
    { host: "127.0.0.1", port: 0, dbFile: ":memory:", apiKeys: [KEY], verifyThreads: 0 },
    { log: silentLogger, now: () => now },
  );
  address = await coordinator.start();
  await coordinator.webhooks.stop(); // the test runs the sender's ticks itself
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => {
      body += d.toString();
    });
    req.on("end", () => {
      const signed =
        req.headers["x-foldnet-key"] === bytesToHex(coordinator.identity.publicKey) &&
        verifySignature(
          hexToBytes(String(req.headers["x-foldnet-key"])),
          webhookMessage(body),
          hexToBytes(String(req.headers["x-foldnet-signature"])),
        );
      const { event, job } = JSON.parse(body) as { event: string; job: { id: string } };
      received.push({ signed, event, jobId: job.id });
      res.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await coordinator.stop();
  await new Promise((resolve) => receiver.close(resolve));
});

describe("job webhooks", () => {
  it("POSTs a notification signed with the coordinator's key when a job is cancelled, retrying with backoff", async () => {
    const client = new ApiClient(address.url, KEY);
    const job = await client.submit({ sequence: "HPPH", steps: 1024, notify: receiverUrl });
    await coordinator.webhooks.tick();
    expect(received).toEqual([]); // still running: nothing to say
    answers.push(500, 503);
    await client.cancel(job.id);
    await coordinator.webhooks.tick();
    expect(await coordinator.store.webhooks.webhookState(job.id)).toEqual({
      state: "pending",
      attempts: 1,
    });
    await coordinator.webhooks.tick(); // the retry is not due yet
    expect(received).toHaveLength(1);
    now += 1_000;
    await coordinator.webhooks.tick(); // 2nd attempt after 1 s: 503
    now += 1_999;
    await coordinator.webhooks.tick(); // the 3rd is due only 2 s after the 2nd
    expect(received).toHaveLength(2);
    now += 1;
    await coordinator.webhooks.tick();
    expect(received).toEqual(
      Array(3).fill({ signed: true, event: "job.cancelled", jobId: job.id }),
    );
    expect(await coordinator.store.webhooks.webhookState(job.id)).toEqual({
      state: "delivered",
      attempts: 3,
    });
  });

  it("refuses a notify that is not an http(s) URL", async () => {
    const client = new ApiClient(address.url, KEY);
    await expectFoldnetError(
      client.submit({ sequence: "HPPH", steps: 1024, notify: "file:///etc/passwd" }),
      {
        code: "API_ERROR_BAD_REQUEST",
        field: "notify",
      },
    );
  });
});
