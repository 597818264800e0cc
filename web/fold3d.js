/**
 * A rotatable view of a 3D (cubic lattice) fold for the dashboard. The dashboard first shows
 * the coordinator's own picture (`/api/jobs/:id/result.svg`, sim/render-svg.ts); dragging a
 * 3D fold hands it to this view, which lays the fold string out on the lattice, rotates it
 * (yaw about the vertical axis, pitch about the horizontal one) and projects it with a
 * little perspective, drawing what the shared renderer draws in the same colours: backbone,
 * H residues as dark discs shaded by depth, P residues as open circles, H–H contacts as
 * dashed red lines, residue 0 ringed in orange.
 * @module
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/** Unit vectors of the interchange letters (docs/design.md "Fold encoding"). */
const STEPS = {
  R: [1, 0, 0],
  L: [-1, 0, 0],
  U: [0, 1, 0],
  D: [0, -1, 0],
  F: [0, 0, 1],
  B: [0, 0, -1],
};

/**
 * Lattice coordinates of a fold string, residue 0 at the origin.
 * @param {string} fold
 * @returns {number[][]}
 */
export function layOut(fold) {
  const coords = [[0, 0, 0]];
  let [x, y, z] = [0, 0, 0];
  for (const letter of fold) {
    const step = STEPS[letter];
    if (step === undefined) throw new RangeError(`not a fold letter: ${letter}`);
    x += step[0];
    y += step[1];
    z += step[2];
    coords.push([x, y, z]);
  }
  return coords;
}

/**
 * Pairs of H residues at lattice distance 1 that are not chain neighbours.
 * @param {string} sequence
 * @param {number[][]} coords
 * @returns {[number, number][]}
 */
export function contacts(sequence, coords) {
  const at = new Map(coords.map((c, i) => [c.join(","), i]));
  const pairs = [];
  coords.forEach((c, i) => {
    if (sequence[i] !== "H") return;
    for (const step of Object.values(STEPS)) {
      const j = at.get([c[0] + step[0], c[1] + step[1], c[2] + step[2]].join(","));
      if (j !== undefined && j > i + 1 && sequence[j] === "H") pairs.push([i, j]);
    }
  });
  return pairs;
}

/** Rotates a point: yaw about y, then pitch about x. */
function rotate([x, y, z], yaw, pitch) {
  const cy = Math.cos(yaw);
  const sy = Math.sin(yaw);
  const x1 = x * cy + z * sy;
  const z1 = -x * sy + z * cy;
  const cp = Math.cos(pitch);
  const sp = Math.sin(pitch);
  return [x1, y * cp - z1 * sp, y * sp + z1 * cp];
}

function el(name, attrs) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/**
 * A rotatable fold view in an <svg> of `size` pixels; drag to rotate.
 * @param {string} sequence
 * @param {string} fold
 * @param {{size?: number, yaw?: number, pitch?: number}} [options]
 * @returns {{svg: SVGSVGElement, view: {yaw: number, pitch: number}, render: () => void}}
 */
export function rotatableFold(sequence, fold, options = {}) {
  const size = options.size ?? 260;
  const coords = layOut(fold);
  const center = [0, 1, 2].map(
    (k) => coords.reduce((sum, c) => sum + c[k], 0) / Math.max(1, coords.length),
  );
  const centered = coords.map((c) => c.map((v, k) => v - center[k]));
  const radius = Math.max(1, ...centered.map((c) => Math.hypot(c[0], c[1], c[2])));
  const pairs = contacts(sequence, coords);
  const view = { yaw: options.yaw ?? 0.6, pitch: options.pitch ?? -0.45 };
  const svg = el("svg", {
    viewBox: `0 0 ${size} ${size}`,
    width: size,
    height: size,
    class: "fold3d",
    role: "img",
  });
  svg.append(el("title", {}));
  svg.querySelector("title").textContent = `fold of ${sequence.length} residues (drag to rotate)`;
  const layer = el("g", {});
  svg.append(layer);

  function render() {
    const scale = (size * 0.4) / radius;
    const eye = radius * 6;
    const projected = centered.map((c) => {
      const [x, y, z] = rotate(c, view.yaw, view.pitch);
      const p = eye / (eye - z);
      return { x: size / 2 + x * scale * p, y: size / 2 - y * scale * p, z, p };
    });
    const zs = projected.map((q) => q.z);
    const zMin = Math.min(...zs);
    const zSpan = Math.max(...zs) - zMin || 1;
    layer.replaceChildren();
    for (const [i, j] of pairs) {
      layer.append(
        el("line", {
          class: "contact",
          x1: projected[i].x.toFixed(1),
          y1: projected[i].y.toFixed(1),
          x2: projected[j].x.toFixed(1),
          y2: projected[j].y.toFixed(1),
          stroke: "#d62728",
          "stroke-width": 1.5,
          "stroke-dasharray": "4 3",
        }),
      );
    }
    const d = projected
      .map((q, i) => `${i === 0 ? "M" : "L"}${q.x.toFixed(1)} ${q.y.toFixed(1)}`)
      .join(" ");
    layer.append(
      el("path", {
        class: "backbone",
        d,
        fill: "none",
        stroke: "#555",
        "stroke-width": scale * 0.12,
      }),
    );
    const order = projected.map((_, i) => i).sort((a, b) => projected[a].z - projected[b].z);
    for (const i of order) {
      const q = projected[i];
      const h = sequence[i] === "H";
      const light = Math.round(((q.z - zMin) / zSpan) * 60);
      layer.append(
        el("circle", {
          class: h ? "H" : "P",
          cx: q.x.toFixed(1),
          cy: q.y.toFixed(1),
          r: (scale * 0.24 * q.p).toFixed(1),
          fill: h ? `hsl(215, 60%, ${25 + light * 0.5}%)` : "#ffffff",
          stroke: i === 0 ? "#ff7f0e" : "#1f3b63",
          "stroke-width": i === 0 ? 3 : 1.5,
        }),
      );
    }
  }

  let drag;
  svg.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, yaw: view.yaw, pitch: view.pitch };
    svg.setPointerCapture(e.pointerId);
  });
  svg.addEventListener("pointermove", (e) => {
    if (drag === undefined) return;
    view.yaw = drag.yaw + (e.clientX - drag.x) * 0.01;
    view.pitch = Math.max(-1.5, Math.min(1.5, drag.pitch + (e.clientY - drag.y) * 0.01));
    render();
  });
  const end = () => {
    drag = undefined;
  };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);
  render();
  return { svg, view, render };
}
