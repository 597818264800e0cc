/**
 * DOM and formatting helpers shared by the dashboard's modules: element creation with text
 * children (server strings always go in as text), in-place text updates, token amounts, "ago"
 * times, and the coordinator's SVG pictures inlined without scripts.
 * @module
 */
import { formatDuration } from "./plot.js";

export const SVG_NS = "http://www.w3.org/2000/svg";
/** Micro-tokens per token (common/tokens.ts MICRO_PER_TOKEN). */
const MICRO_PER_TOKEN = 1_000_000n;

export const $ = (id) => document.getElementById(id);
export const whole = new Intl.NumberFormat("en");

/** Creates an element with attributes and children (strings become text nodes). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, String(v));
  }
  node.append(...children);
  return node;
}

export function setText(node, text) {
  const s = String(text);
  if (node.textContent !== s) node.textContent = s;
}

export function plural(n, one, many) {
  return `${whole.format(n)} ${n === 1 ? one : many}`;
}

export function ago(ms) {
  return ms < 1500 ? "just now" : `${formatDuration(ms)} ago`;
}

/** Micro-tokens (a decimal string or bigint) as tokens, e.g. "1.5". */
export function tokens(micro) {
  const value = BigInt(micro);
  const sign = value < 0n ? "-" : "";
  const abs = value < 0n ? -value : value;
  const frac = (abs % MICRO_PER_TOKEN).toString().padStart(6, "0").replace(/0+$/, "");
  return `${sign}${whole.format(abs / MICRO_PER_TOKEN)}${frac === "" ? "" : `.${frac}`}`;
}

/** The SVG document `text` (from the coordinator's renderer) as an element, scripts removed; null if not SVG. */
export function inlineSvg(text) {
  const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
  if (svg.nodeName !== "svg") return null;
  for (const node of svg.querySelectorAll("script, foreignObject")) node.remove();
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("class", "fold-svg");
  return document.importNode(svg, true);
}
