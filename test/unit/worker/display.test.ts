import { describe, expect, it } from "vitest";
import { formatLogLine } from "../../../common/log.js";
import { createDisplay, renderStatusBlock } from "../../../worker/display.js";
import type { WorkerStatus } from "../../../worker/status.js";
import { ManualClock } from "./fixtures/manual-clock.js";

const status: WorkerStatus = {
  connection: "connected",
  coordinator: "ws://127.0.0.1:7700/ws",
  keyId: "0123456789abcdef",
  workerId: "w-1",
  threads: 2,
  units: [
    {
      assignmentId: "00".repeat(16),
      unitId: "u-1",
      jobId: "j-1",
      steps: 1_000_000,
      stepsDone: 250_000,
      bestEnergy: -7,
      stepsPerSecond: 1_500_000,
      startedAtMs: 0,
    },
  ],
  stepsPerSecond: 1_500_000,
  bestEnergy: -9,
  resultsSubmitted: 3,
  resultsAccepted: 2,
  resultsRejected: 1,
  tokensEarned: 1234n,
  spooled: 1,
  reconnects: 0,
};

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns: 120, write: (t: string) => chunks.push(t) } };
}

describe("the progress display", () => {
  it("renders one line per thread with unit, % done, rate and best energy", () => {
    const lines = renderStatusBlock(status, 120);
    expect(lines).toHaveLength(4);
    expect(lines[0]).toContain("0123456789abcdef");
    expect(lines[0]).toContain("connected as w-1");
    expect(lines[1]).toContain("1.5M steps/s");
    expect(lines[1]).toContain("best E -9");
    expect(lines[1]).toContain("accepted 2");
    expect(lines[1]).toContain("tokens 0.001234");
    expect(lines[2]).toMatch(/#1 unit u-1 .* 25%\s+1\.5M steps\/s\s+E -7/);
    expect(lines[3]).toContain("#2 idle");
    expect(renderStatusBlock(status, 40).every((l) => l.length <= 40)).toBe(true);
  });

  it("writes structured log lines when not on a TTY, and a periodic status line", () => {
    const { chunks, stream } = fakeStream(false);
    const clock = new ManualClock(Date.UTC(2025, 0, 2, 3, 4, 5));
    const display = createDisplay({ stream, clock, statusIntervalMs: 10_000 });
    display.log.info("result accepted", { unitId: "u-1", reward: 5n, id: new Uint8Array([1, 2]) });
    display.log.debug("hidden at info level");
    expect(chunks).toEqual([
      '2025-01-02T03:04:05.000Z info  result accepted {"unitId":"u-1","reward":"5","id":"0102"}\n',
    ]);
    display.attach(() => status);
    clock.advance(10_000);
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toContain(" info  status {");
    expect(chunks[1]).toContain('"tokens":"0.001234"');
    display.stop();
    expect(clock.pending).toBe(0);
  });

  it("redraws the block in place on a TTY, printing log lines above it", () => {
    const { chunks, stream } = fakeStream(true);
    const clock = new ManualClock();
    const display = createDisplay({ stream, clock });
    display.attach(() => status);
    expect(chunks.join("")).toContain("#1 unit u-1");
    chunks.length = 0;
    display.log.warn("disconnected");
    const out = chunks.join("");
    // Clears the 4-line block, writes the line, redraws the block.
    expect(out.startsWith("\x1b[4F\x1b[J")).toBe(true);
    expect(out).toContain("warn  disconnected\n");
    expect(out.indexOf("disconnected")).toBeLessThan(out.indexOf("#1 unit"));
    chunks.length = 0;
    clock.advance(1_000);
    expect(chunks.join("")).toContain("#2 idle");
    display.stop();
    expect(clock.pending).toBe(0);
  });

  it("formats a log line as time, level, message, JSON fields", () => {
    expect(formatLogLine(new Date(0), "error", "boom")).toBe("1970-01-01T00:00:00.000Z error boom");
  });
});
