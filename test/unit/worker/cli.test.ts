import { describe, expect, it } from "vitest";
import { workerCommand } from "../../../cli/commands/worker.js";
import { expectFoldnetError } from "../../helpers/errors.js";

describe("foldnet worker (argument handling)", () => {
  it("documents every option in --help", () => {
    for (const option of ["--coordinator", "--threads", "--identity", "--spool", "--name"])
      expect(workerCommand.help).toContain(option);
  });

  it("requires --coordinator and checks --threads and --log-level", async () => {
    await expectFoldnetError(workerCommand.run([]), {
      code: "CLI_ERROR_USAGE",
      option: "coordinator",
    });
    await expectFoldnetError(
      workerCommand.run(["--coordinator", "ws://127.0.0.1:1", "--threads", "0"]),
      { code: "CLI_ERROR_USAGE", option: "threads" },
    );
    await expectFoldnetError(
      workerCommand.run(["--coordinator", "ws://127.0.0.1:1", "--threads", "257"]),
      { code: "CLI_ERROR_USAGE", option: "threads" },
    );
    await expectFoldnetError(
      workerCommand.run(["--coordinator", "ws://127.0.0.1:1", "--log-level", "loud"]),
      { code: "CLI_ERROR_USAGE", option: "log-level" },
    );
    await expectFoldnetError(
      workerCommand.run(["--coordinator", "ws://127.0.0.1:1", "--name", "é".repeat(33)]),
      { code: "CLI_ERROR_USAGE", option: "name" },
    );
  });

  it("refuses a coordinator URL that is not ws:// before touching any file", async () => {
    await expectFoldnetError(
      workerCommand.run(["--coordinator", "http://127.0.0.1:1", "--identity", "/nonexistent/x"]),
      { code: "WORKER_ERROR_BAD_URL" },
    );
  });
});
