import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBatch } from "../../../coordinator/batch-api.js";
import { ApiError } from "../../../coordinator/errors.js";
import { parseJobSpec } from "../../../coordinator/job-spec.js";

const valid = {
  sequence: "HPHPPHHPHPPHPHHPPHPH",
  steps: 65_536,
  trajectories: 1,
  unitSteps: 65_536,
  targetEnergy: -9,
  replicas: 4,
  name: "fuzz",
  priority: 3,
  private: true,
  notify: "http://127.0.0.1:9/hook",
};
const FIELDS = [...Object.keys(valid), "lattice", "aminoAcids", "extra"];

/** A valid job request with some fields replaced by arbitrary JSON values or removed. */
const mutated = fc
  .array(fc.tuple(fc.constantFrom(...FIELDS), fc.option(fc.jsonValue(), { nil: undefined })), {
    maxLength: 4,
  })
  .map((changes) => {
    const body: Record<string, unknown> = { ...valid };
    for (const [k, v] of changes) {
      if (v === undefined) delete body[k];
      else body[k] = v;
    }
    return body;
  });

/** Runs `parse`; anything it throws must be the API's typed 400-class error. */
function parsedOrRefused(parse: () => unknown): void {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).type.status).toBe(400);
  }
}

describe("request bodies from anyone", () => {
  it("a job request of any JSON shape is parsed or refused with a typed 400, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated), (body) =>
        parsedOrRefused(() => parseJobSpec(body)),
      ),
      { numRuns: 3_000 },
    );
  });

  it("a batch of any JSON shape is parsed or refused with a typed 400, never anything else", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.array(fc.oneof(mutated, fc.jsonValue()), { maxLength: 5 }).map((jobs) => ({ jobs })),
        ),
        (body) => parsedOrRefused(() => parseBatch(body)),
      ),
      { numRuns: 1_000 },
    );
  });
});
