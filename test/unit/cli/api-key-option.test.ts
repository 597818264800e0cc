import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { apiKeysFrom } from "../../../cli/api-key-option.js";
import { expectFoldnetError } from "../../helpers/errors.js";
import { tempDir } from "../../helpers/network.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("API keys of a command", () => {
  it("come from a file (one per line), then FOLDNET_API_KEY, then --api-key", () => {
    const file = join(tempDir("keys"), "keys");
    writeFileSync(file, "fn_one\n\n  fn_two  \n", { mode: 0o600 });
    vi.stubEnv("FOLDNET_API_KEY", "fn_env");
    expect(apiKeysFrom({ "api-key-file": file, "api-key": ["fn_argv"] })).toEqual([
      "fn_one",
      "fn_two",
      "fn_env",
      "fn_argv",
    ]);
  });

  it("name the option when the file cannot be read", async () => {
    vi.stubEnv("FOLDNET_API_KEY", "");
    await expectFoldnetError(() => apiKeysFrom({ "api-key-file": "/nonexistent/keys" }), {
      code: "CLI_ERROR_USAGE",
      option: "api-key-file",
    });
    expect(apiKeysFrom({})).toEqual([]);
  });
});
