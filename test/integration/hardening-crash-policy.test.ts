import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXIT_UNEXPECTED } from "../../cli/crash-policy.js";

const dist = (path: string) => fileURLToPath(new URL(`../../dist/${path}`, import.meta.url));

/** Runs a module script in a fresh node process with the crash policy installed; resolves with its exit code and stderr. */
function runWithPolicy(body: string): Promise<{ code: number | null; stderr: string }> {
  const script = `
    import { installCrashPolicy } from ${JSON.stringify(dist("cli/crash-policy.js"))};
    import { createLineLogger } from ${JSON.stringify(dist("common/log.js"))};
    installCrashPolicy(createLineLogger((l) => process.stderr.write(l + "\\n")), "test");
    ${body}`;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["--input-type=module", "-e", script],
      (_e, _o, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe("the crash policy of long-running commands", () => {
  it("logs an uncaught exception as one line and exits 70 for the supervisor", async () => {
    const { code, stderr } = await runWithPolicy(`setTimeout(() => { throw new Error("boom"); });`);
    expect(code).toBe(EXIT_UNEXPECTED);
    expect(stderr).toMatch(
      /error test: uncaught exception; exiting for the supervisor to restart .*boom/,
    );
  });

  it("does the same for an unhandled rejection", async () => {
    const { code, stderr } = await runWithPolicy(`Promise.reject(new Error("lost"));`);
    expect(code).toBe(EXIT_UNEXPECTED);
    expect(stderr).toContain("unhandled rejection");
  });
});
