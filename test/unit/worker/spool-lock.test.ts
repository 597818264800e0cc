import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Spool } from "../../../worker/spool.js";
import { LOCK_FILE } from "../../../worker/spool-lock.js";
import { expectFoldnetError } from "../../helpers/errors.js";

const freshDir = () => mkdtemp(join(tmpdir(), "foldnet-lock-"));

/** A live process that is not this one (and exits when the test is done). */
function otherProcess() {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
  return { pid: child.pid!, stop: () => child.kill("SIGKILL") };
}

describe("the spool lock", () => {
  it("refuses a second worker on the same spool, in this process, with a clear error", async () => {
    const dir = await freshDir();
    const first = new Spool(dir);
    await first.open();
    await expectFoldnetError(new Spool(dir).open(), {
      code: "WORKER_ERROR_SPOOL_LOCKED",
      pid: process.pid,
    });
    await first.close();
    const second = new Spool(dir); // released: the next one may take it
    await second.open();
    await second.close();
  });

  it("refuses a spool held by another live process", async () => {
    const dir = await freshDir();
    const other = otherProcess();
    try {
      await writeFile(join(dir, LOCK_FILE), `${other.pid}\n`);
      await expectFoldnetError(new Spool(dir).open(), {
        code: "WORKER_ERROR_SPOOL_LOCKED",
        pid: other.pid,
      });
    } finally {
      other.stop();
    }
  });

  it("takes over the stale lock of a process that is gone (kill -9), or of an earlier life of its own pid", async () => {
    for (const stalePid of [2 ** 22 + 1, process.pid]) {
      const dir = await freshDir();
      await writeFile(join(dir, LOCK_FILE), `${stalePid}\n`);
      const spool = new Spool(dir);
      await spool.open();
      expect((await readFile(join(dir, LOCK_FILE), "utf8")).trim()).toBe(String(process.pid));
      await spool.close();
    }
  });
});
