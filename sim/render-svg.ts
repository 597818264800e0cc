/**
 * Pictures of folds as standalone SVG: bonds as a line, H residues as dark discs, P residues
 * as open circles, H–H contacts as dashed red lines, residue 0 ringed. 2D folds are drawn on
 * their lattice; 3D folds in an oblique projection (z drawn up and to the right, far
 * residues first, nearer ones shaded lighter). The CLI, the API and the dashboard all use
 * this one renderer.
 * @module
 */
import { type Coordinates, hhContacts, layOut, parseFold } from "./fold.js";
import type { LatticeName } from "./lattice.js";

/** Options of `renderSvg`. */
export interface SvgOptions {
  /** A caption drawn above the fold (e.g. "E = −9"). */
  readonly title?: string;
  /** Pixels per lattice unit (default 28). */
  readonly scale?: number;
}

/** Share of a lattice unit that a z step moves a residue right and up in the 3D projection. */
const DEPTH_X = 0.45;
const DEPTH_Y = 0.3;
const MARGIN_UNITS = 1;
const TITLE_PX = 22;

/** Projects lattice coordinates to the plane: 2D as is, 3D obliquely. */
function project(coords: Coordinates, threeD: boolean): [number, number][] {
  return coords.map(([x, y, z]) => (threeD ? [x + DEPTH_X * z, -y - DEPTH_Y * z] : [x, -y]));
}

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
  const coords = layOut(parseFold(fold, sequence.length, lattice));
  const threeD = lattice === "cubic3d";
  const scale = options.scale ?? 28;
  const points = project(coords, threeD);
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
  for (const [i, j] of hhContacts(sequence, coords)) {
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
  for (const i of order) {
    const h = sequence[i] === "H";
    const light = threeD ? Math.round((((zs[i] as number) - zMin) / zSpan) * 60) : 0;
    const fill = h ? `hsl(215, 60%, ${25 + light * 0.5}%)` : "#ffffff";
    const stroke = i === 0 ? "#ff7f0e" : "#1f3b63";
    parts.push(
      `<circle class="${h ? "H" : "P"}" cx="${px(i)}" cy="${py(i)}" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="${i === 0 ? 3 : 1.5}"><title>${i} ${h ? "H" : "P"}</title></circle>`,
    );
  }
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
