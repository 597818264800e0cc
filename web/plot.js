/**
 * The best-energy-over-time plot of a job, as inline SVG: a step line from the job's start
 * to now (or its end), one dot per improvement, the target energy as a dashed line. Energies
 * are HP energies (integers ≤ 0, lower is better), so the line falls as the search improves.
 * @module
 */

const SVG_NS = "http://www.w3.org/2000/svg";
const W = 320;
const H = 170;
const PAD = { left: 34, right: 8, top: 8, bottom: 20 };

function el(name, attrs, text) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** "42 s", "3.5 min", "2.1 h" */
export function formatDuration(ms) {
  const s = ms / 1000;
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${(s / 60).toFixed(s < 600 ? 1 : 0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** Integer ticks between lo and hi (inclusive), at most `count` of them. */
function ticks(lo, hi, count) {
  const span = Math.max(1, hi - lo);
  const step = Math.max(1, Math.ceil(span / count));
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(v);
  return out;
}

/**
 * Draws the plot into `svg` (cleared first).
 * @param {SVGSVGElement} svg
 * @param {{history: [number, number][], createdAt: number, end: number, targetEnergy: number | null}} data
 */
export function drawEnergyPlot(svg, { history, createdAt, end, targetEnergy }) {
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const x0 = PAD.left;
  const x1 = W - PAD.right;
  const y0 = PAD.top;
  const y1 = H - PAD.bottom;
  svg.append(el("rect", { class: "plot-bg", x: x0, y: y0, width: x1 - x0, height: y1 - y0 }));
  if (history.length === 0) {
    svg.append(
      el(
        "text",
        { class: "plot-note", x: (x0 + x1) / 2, y: (y0 + y1) / 2, "text-anchor": "middle" },
        "waiting for the first verified unit",
      ),
    );
    return;
  }
  const energies = history.map((p) => p[1]);
  if (targetEnergy !== null) energies.push(targetEnergy);
  // From just above the first verified energy down to the best (or the target): the range
  // that matters, not the empty stretch up to 0.
  const eMin = Math.min(...energies);
  const eMax = Math.min(0, Math.max(...energies) + 2);
  const tEnd = Math.max(end, history.at(-1)[0], createdAt + 1000);
  const sx = (t) => x0 + ((t - createdAt) / (tEnd - createdAt)) * (x1 - x0);
  const sy = (e) => y0 + ((eMax - e) / Math.max(1, eMax - eMin)) * (y1 - y0);

  for (const e of ticks(eMin, eMax, 4)) {
    svg.append(el("line", { class: "grid", x1: x0, x2: x1, y1: sy(e), y2: sy(e) }));
    svg.append(
      el("text", { class: "axis", x: x0 - 4, y: sy(e) + 3, "text-anchor": "end" }, String(e)),
    );
  }
  svg.append(el("text", { class: "axis", x: x0, y: H - 5 }, "0"));
  svg.append(
    el(
      "text",
      { class: "axis", x: x1, y: H - 5, "text-anchor": "end" },
      formatDuration(tEnd - createdAt),
    ),
  );
  if (targetEnergy !== null) {
    svg.append(
      el("line", { class: "target", x1: x0, x2: x1, y1: sy(targetEnergy), y2: sy(targetEnergy) }),
    );
    svg.append(
      el(
        "text",
        { class: "axis target-label", x: x1 - 2, y: sy(targetEnergy) - 3, "text-anchor": "end" },
        `target ${targetEnergy}`,
      ),
    );
  }
  let d = "";
  history.forEach(([t, e], i) => {
    d +=
      i === 0
        ? `M${sx(t).toFixed(1)} ${sy(e).toFixed(1)}`
        : ` H${sx(t).toFixed(1)} V${sy(e).toFixed(1)}`;
  });
  d += ` H${sx(tEnd).toFixed(1)}`;
  svg.append(el("path", { class: "energy", d }));
  for (const [t, e] of history) {
    const dot = el("circle", {
      class: "energy-dot",
      cx: sx(t).toFixed(1),
      cy: sy(e).toFixed(1),
      r: 2.5,
    });
    dot.append(el("title", {}, `E = ${e} at ${formatDuration(t - createdAt)}`));
    svg.append(dot);
  }
}
