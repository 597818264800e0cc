/**
 * Pictures of folds as standalone SVG: bonds as a line, residues that make contacts (H in
 * the HP model, every residue in MJ) as dark discs, the others as open circles, contacts as
 * dashed red lines, residue 0 ringed. Sites go through their lattice spec's projection (2D
 * as is, 3D obliquely with z up and to the right; far residues first, nearer ones shaded
 * lighter). The CLI, the API and the dashboard all use this one renderer.
 * @module
 */
import { contactPairs, layOut, parseFold } from "./fold.js";
import { type LatticeName, latticeSpec } from "./lattice.js";
import {
  DEFAULT_MODEL,
  type ModelName,
  modelSpec,
  residueTypes,
  strongestContact,
} from "./model.js";

/** Options of `renderSvg`. */
export interface SvgOptions {
  /** A caption drawn above the fold (e.g. "E = −9"). */
  readonly title?: string;
  /** Pixels per lattice unit (default 28). */
  readonly scale?: number;
  /** Energy model of the sequence (default `hp`). */
  readonly model?: ModelName;
}

const MARGIN_UNITS = 1;
const TITLE_PX = 22;

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"]/g,
    (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c] as string,
  );

/**
 * Renders the fold of `sequence` as an SVG document.
 * @throws {SimError} SIM_ERROR_BAD_FOLD when the fold is not valid for the sequence.
 */
export function renderSvg(
  sequence: string,
  fold: string,
  lattice: LatticeName,
  options: SvgOptions = {},
): string {
  const spec = latticeSpec(lattice);
  const model = options.model ?? DEFAULT_MODEL;
  const coords = layOut(parseFold(fold, sequence.length, lattice), lattice);
  const threeD = spec.dimensions === 3;
  const scale = options.scale ?? 28;
  const points = coords.map((c) => spec.project(c));
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const minX = Math.min(...xs) - MARGIN_UNITS;
  const minY = Math.min(...ys) - MARGIN_UNITS;
  const top = options.title === undefined ? 0 : TITLE_PX;
  const width = Math.ceil((Math.max(...xs) - minX + MARGIN_UNITS) * scale);
  const height = Math.ceil((Math.max(...ys) - minY + MARGIN_UNITS) * scale) + top;
  const px = (i: number) => ((points[i]![0] - minX) * scale).toFixed(1);
  const py = (i: number) => ((points[i]![1] - minY) * scale + top).toFixed(1);
  const zs = coords.map((c) => c[2]);
  const zMin = Math.min(...zs);
  const zSpan = Math.max(...zs) - zMin || 1;
  const r = (scale * 0.3).toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
  ];
  if (options.title !== undefined) {
    parts.push(`<text x="6" y="16" font-size="14" fill="#222">${escapeXml(options.title)}</text>`);
  }
  for (const [i, j] of contactPairs(sequence, coords, lattice, model)) {
    parts.push(
      `<line class="contact" x1="${px(i)}" y1="${py(i)}" x2="${px(j)}" y2="${py(j)}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    );
  }
  const path = points.map((_, i) => `${i === 0 ? "M" : "L"}${px(i)} ${py(i)}`).join(" ");
  parts.push(
    `<path class="backbone" d="${path}" fill="none" stroke="#555" stroke-width="${(scale * 0.12).toFixed(1)}"/>`,
  );
  const order = coords
    .map((_, i) => i)
    .sort((a, b) => (zs[a] as number) - (zs[b] as number) || a - b);
  const types = residueTypes(modelSpec(model), sequence);
  for (const i of order) {
    const h = strongestContact(modelSpec(model), types[i]!, types) > 0;
    const light = threeD ? Math.round((((zs[i] as number) - zMin) / zSpan) * 60) : 0;
    const fill = h ? `hsl(215, 60%, ${25 + light * 0.5}%)` : "#ffffff";
    const stroke = i === 0 ? "#ff7f0e" : "#1f3b63";
    parts.push(
      `<circle class="${h ? "H" : "P"}" cx="${px(i)}" cy="${py(i)}" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="${i === 0 ? 3 : 1.5}"><title>${i} ${sequence[i]}</title></circle>`,
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
