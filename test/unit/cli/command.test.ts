import { describe, expect, it } from "vitest";
import { parseCommandArgs, UsageError } from "../../../cli/command.js";

describe("command-line parsing", () => {
  const options = { target: { type: "string" }, json: { type: "boolean" } } as const;

  it("takes a negative number as the value of the option before it", () => {
    expect(parseCommandArgs(["--target", "-9", "--json"], options).values).toEqual({
      target: "-9",
      json: true,
    });
    expect(parseCommandArgs(["--target=-12"], options).values).toEqual({ target: "-12" });
  });

  it("refuses unknown options with a usage error", () => {
    expect(() => parseCommandArgs(["--nope"], options)).toThrow(UsageError);
    expect(() => parseCommandArgs(["-9"], options)).toThrow(UsageError);
  });
});
