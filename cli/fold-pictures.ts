/**
 * `foldnet job folds JOB_ID --top K --svg-dir DIR`: a job's K best distinct folds from the
 * coordinator, each drawn to DIR/JOB_ID-RANK.svg with the job's sequence and lattice.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { ApiClient } from "../coordinator/api-client.js";
import type { RankedFold } from "../coordinator/store/store.js";
import type { LatticeName } from "../sim/lattice.js";
import { renderSvg } from "../sim/render-svg.js";

/** Fetches the `top` best folds of a job; with `svgDir`, writes their pictures there. */
export async function topFolds(
  client: ApiClient,
  jobId: string,
  top: string,
  svgDir: string | undefined,
): Promise<{ job: string; folds: RankedFold[] }> {
  const id = encodeURIComponent(jobId);
  const answer = await client.call<{ job: string; folds: RankedFold[] }>(
    "GET",
    `/api/jobs/${id}/folds?top=${encodeURIComponent(top)}`,
  );
  if (svgDir !== undefined) {
    const job = await client.job(jobId);
    mkdirSync(svgDir, { recursive: true });
    answer.folds.forEach((f, i) => {
      const title = `${job.name || job.id} #${i + 1} — E = ${f.energy}`;
      const svg = renderSvg(job.sequence, f.fold, job.lattice as LatticeName, {
        title,
        model: job.model,
      });
      writeFileSync(join(svgDir, `${job.id}-${i + 1}.svg`), svg);
    });
  }
  return answer;
}
