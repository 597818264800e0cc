/**
 * The dashboard: listens to the coordinator's live feed (`/api/events`, one JSON snapshot per
 * event) and keeps the page in step with it — network tiles, one card per job (progress,
 * best-energy plot, picture of the best fold), the workers with their verified throughput,
 * and the ledger's recent blocks and balances when the coordinator has a ledger. DOM nodes
 * are kept per job and updated in place, so a fold picture is fetched only when the job's
 * best fold changes and a rotated 3D view keeps its angle. All text goes in as textContent.
 * @module
 */
import { rotatableFold } from "./fold3d.js";
import { drawEnergyPlot, formatDuration } from "./plot.js";

const SVG_NS = "http://www.w3.org/2000/svg";
/** Micro-tokens per token (ledger/rewards.ts MICRO_PER_TOKEN). */
const MICRO_PER_TOKEN = 1_000_000n;
/** How often the ledger panel refreshes while the ledger answers, and re-probes when not. */
/** Labels of the lattices (sim/lattice.ts `LatticeSpec.label`; the dashboard is plain JS). */
const LATTICE_LABELS = {
  square2d: "2D square",
  cubic3d: "3D cubic",
  fcc3d: "3D face-centred cubic",
};
const LEDGER_REFRESH_MS = 3_000;
const LEDGER_PROBE_MS = 30_000;

const $ = (id) => document.getElementById(id);
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat("en");

/** Creates an element with attributes and children (strings become text nodes). */
function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else node.setAttribute(k, String(v));
  }
  node.append(...children);
  return node;
}

function setText(node, text) {
  const s = String(text);
  if (node.textContent !== s) node.textContent = s;
}

function plural(n, one, many) {
  return `${whole.format(n)} ${n === 1 ? one : many}`;
}

function ago(ms) {
  return ms < 1500 ? "just now" : `${formatDuration(ms)} ago`;
}

function tokens(micro) {
  const value = BigInt(micro);
  const frac = (value % MICRO_PER_TOKEN).toString().padStart(6, "0").replace(/0+$/, "");
  return `${whole.format(value / MICRO_PER_TOKEN)}${frac === "" ? "" : `.${frac}`}`;
}

// ---------------------------------------------------------------------------------------------
// Live feed

function setLive(state, text) {
  $("live").dataset.state = state;
  setText($("live-text"), text);
}

function connect() {
  const source = new EventSource("/api/events");
  source.addEventListener("snapshot", (event) => {
    setLive("live", "live");
    render(JSON.parse(event.data));
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) {
      setLive("down", "disconnected — retrying");
      setTimeout(connect, 5_000);
    } else {
      setLive("down", "reconnecting…");
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Rendering

function render(snapshot) {
  const { counts } = snapshot;
  setText($("t-workers"), snapshot.workersConnected);
  setText($("t-rate"), compact.format(Math.round(snapshot.stepsPerSecond)));
  setText($("t-jobs"), counts.jobs.running);
  setText(
    $("t-units"),
    `${compact.format(counts.units.queued)} · ${compact.format(counts.units.leased)} · ${compact.format(counts.units.done)}`,
  );
  setText($("t-results"), compact.format(counts.results));
  setText(
    $("coordinator"),
    `coordinator ${snapshot.coordinator.keyId} · ${snapshot.coordinator.connections} connections · updated ${new Date(snapshot.at).toLocaleTimeString()}`,
  );
  renderJobs(snapshot);
  renderWorkers(snapshot);
  void refreshLedger();
}

/** Job id → its card's nodes and what they show. */
const cards = new Map();

function renderJobs(snapshot) {
  const container = $("jobs");
  $("jobs-empty").hidden = snapshot.jobs.length > 0;
  const seen = new Set();
  snapshot.jobs.forEach((job, index) => {
    seen.add(job.id);
    let card = cards.get(job.id);
    if (card === undefined) {
      card = createCard(job);
      cards.set(job.id, card);
    }
    if (container.children[index] !== card.root)
      container.insertBefore(card.root, container.children[index] ?? null);
    updateCard(card, job, snapshot.at);
  });
  for (const [id, card] of cards) {
    if (!seen.has(id)) {
      card.root.remove();
      cards.delete(id);
    }
  }
}

function createCard(job) {
  const refs = {
    title: h("h3"),
    status: h("span", { class: "badge" }),
    meta: h("div", { class: "meta" }),
    bar: h("span"),
    pct: h("span", { class: "pct" }),
    units: h("dd"),
    steps: h("dd"),
    best: h("dd", { class: "best" }),
    target: h("dd"),
    fold: h("figure", { class: "fold" }),
    foldCaption: h("span"),
    plot: document.createElementNS(SVG_NS, "svg"),
  };
  refs.plot.setAttribute("class", "plot");
  refs.plot.setAttribute("role", "img");
  refs.plot.setAttribute("aria-label", "best energy over time");
  refs.fold.append(
    h("div", { class: "fold-pic" }, h("span", { class: "muted" }, "no verified fold yet")),
    h(
      "figcaption",
      {},
      refs.foldCaption,
      h(
        "span",
        { class: "legend" },
        h("i", { class: "lg-h" }),
        "H ",
        h("i", { class: "lg-p" }),
        "P ",
        h("i", { class: "lg-c" }),
        "H–H contact",
      ),
    ),
  );
  const root = h(
    "article",
    { class: "job", "data-job-id": job.id },
    h("header", {}, refs.title, refs.status),
    refs.meta,
    h("div", { class: "progress" }, h("div", { class: "bar" }, refs.bar), refs.pct),
    h(
      "dl",
      { class: "stats" },
      h("div", {}, h("dt", {}, "units verified"), refs.units),
      h("div", {}, h("dt", {}, "steps"), refs.steps),
      h("div", {}, h("dt", {}, "best energy"), refs.best),
      h("div", {}, h("dt", {}, "target"), refs.target),
    ),
    h(
      "div",
      { class: "visuals" },
      refs.fold,
      h("figure", { class: "plot-box" }, refs.plot, h("figcaption", {}, "best energy over time")),
    ),
  );
  return { root, refs, fold: null, foldToken: 0, rotator: undefined, view: undefined };
}

function updateCard(card, job, now) {
  const { refs } = card;
  card.root.dataset.status = job.status;
  card.root.dataset.unitsVerified = String(job.unitsVerified);
  setText(refs.title, job.name || job.id);
  setText(refs.status, job.status);
  refs.status.dataset.status = job.status;
  const dims = LATTICE_LABELS[job.lattice] ?? job.lattice;
  setText(
    refs.meta,
    `${job.id} · ${dims} · ${job.sequence.length} residues · ${plural(job.trajectories, "trajectory", "trajectories")} × ${plural(job.generations, "generation", "generations")}`,
  );
  const pct = Math.round(job.progress * 1000) / 10;
  refs.bar.style.width = `${Math.min(100, pct)}%`;
  setText(refs.pct, `${pct.toFixed(1)} %`);
  setText(refs.units, whole.format(job.unitsVerified));
  setText(refs.steps, `${compact.format(job.stepsDone)} / ${compact.format(job.stepsPlanned)}`);
  setText(refs.best, job.bestEnergy ?? "–");
  setText(refs.target, job.targetEnergy ?? "none");
  drawEnergyPlot(refs.plot, {
    history: job.history,
    createdAt: job.createdAt,
    end: job.finishedAt ?? now,
    targetEnergy: job.targetEnergy,
  });
  if (job.bestFold !== null && job.bestFold !== card.fold) {
    card.fold = job.bestFold;
    void loadFold(card, job);
  }
}

/** Shows the coordinator's picture of the job's best fold (the shared renderer). */
async function loadFold(card, job) {
  const token = ++card.foldToken;
  const caption = `best fold, E = ${job.bestEnergy}${job.lattice === "cubic3d" ? " · drag to rotate" : ""}`;
  if (card.rotator !== undefined) {
    // The viewer is rotating a 3D fold: keep rotating, with the new fold.
    showRotator(card, job);
    setText(card.refs.foldCaption, caption);
    return;
  }
  let text;
  try {
    const res = await fetch(`/api/jobs/${encodeURIComponent(job.id)}/result.svg`, {
      cache: "no-store",
    });
    if (!res.ok) return;
    text = await res.text();
  } catch {
    return;
  }
  if (token !== card.foldToken || card.rotator !== undefined) return;
  const doc = new DOMParser().parseFromString(text, "image/svg+xml");
  const svg = doc.documentElement;
  if (svg.nodeName !== "svg") return;
  for (const node of svg.querySelectorAll("script, foreignObject")) node.remove();
  svg.removeAttribute("width");
  svg.removeAttribute("height");
  svg.setAttribute("class", "fold-svg");
  const pic = card.refs.fold.querySelector(".fold-pic");
  pic.replaceChildren(document.importNode(svg, true));
  setText(card.refs.foldCaption, caption);
  if (job.lattice === "cubic3d") {
    pic.classList.add("rotatable");
    pic.onpointerdown = (event) => {
      showRotator(card, job);
      // Let the same press start rotating the new view.
      card.rotator.svg.dispatchEvent(new PointerEvent("pointerdown", event));
    };
  }
}

/** Replaces the picture by a rotatable 3D view of the job's best fold. */
function showRotator(card, job) {
  const pic = card.refs.fold.querySelector(".fold-pic");
  const angles = card.rotator?.view ?? {};
  card.rotator = rotatableFold(job.sequence, job.bestFold, angles);
  pic.onpointerdown = null;
  pic.replaceChildren(card.rotator.svg);
}

function renderWorkers(snapshot) {
  const table = $("workers");
  const workers = snapshot.workers;
  $("workers-empty").hidden = workers.length > 0;
  table.hidden = workers.length === 0;
  const max = Math.max(1, ...workers.map((w) => w.stepsPerSecond));
  const rows = workers.map((w) => {
    const bar = h("span", { class: "rate-bar" });
    bar.style.width = `${Math.round((w.stepsPerSecond / max) * 100)}%`;
    const name = h(
      "td",
      { class: "worker-name" },
      h("span", {
        class: `wdot ${w.connected ? "on" : "off"}`,
        title: w.connected ? "connected" : `last seen ${ago(snapshot.at - w.lastSeen)}`,
      }),
      h("code", {}, w.keyId),
    );
    if (w.connections > 1) name.append(h("span", { class: "muted" }, ` ×${w.connections}`));
    if (w.banned) name.append(h("span", { class: "badge bad" }, "banned"));
    return h(
      "tr",
      { "data-worker": w.keyId, "data-connected": String(w.connected) },
      name,
      h("td", { class: "num" }, whole.format(w.accepted)),
      h("td", { class: "num" }, whole.format(w.rejected)),
      h("td", { class: "num" }, compact.format(w.stepsVerified)),
      h(
        "td",
        { class: "num rate" },
        h("span", {}, compact.format(Math.round(w.stepsPerSecond))),
        h("span", { class: "rate-track" }, bar),
      ),
    );
  });
  table.tBodies[0].replaceChildren(...rows);
}

// ---------------------------------------------------------------------------------------------
// Ledger (shown only when the coordinator answers /api/ledger/blocks)

const ledger = { enabled: false, busy: false, last: Number.NEGATIVE_INFINITY };

async function refreshLedger() {
  const now = Date.now();
  if (ledger.busy || now - ledger.last < (ledger.enabled ? LEDGER_REFRESH_MS : LEDGER_PROBE_MS))
    return;
  ledger.busy = true;
  ledger.last = now;
  try {
    const res = await fetch("/api/ledger/blocks?limit=8", { cache: "no-store" });
    if (res.status !== 200) {
      ledger.enabled = false;
      $("ledger").hidden = true;
      return;
    }
    const { blocks = [], pending } = await res.json();
    const bal = await fetch("/api/ledger/balances", { cache: "no-store" });
    const { balances = [] } = bal.ok ? await bal.json() : {};
    ledger.enabled = true;
    $("ledger").hidden = false;
    setText($("ledger-pending"), typeof pending === "number" ? `· ${pending} entries pending` : "");
    const none = (text) => h("tr", {}, h("td", { class: "empty", colspan: 4 }, text));
    $("blocks").tBodies[0].replaceChildren(
      ...(blocks.length === 0 ? [none("no block sealed yet")] : []),
      ...blocks.map((b) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, String(b.height)),
          h("td", {}, h("code", { title: b.hash }, `${String(b.hash).slice(0, 12)}…`)),
          h("td", {}, ago(Date.now() - b.timestamp)),
          h(
            "td",
            { class: "num" },
            String(Array.isArray(b.entries) ? b.entries.length : b.entries),
          ),
        ),
      ),
    );
    const sorted = [...balances].sort((a, b) =>
      BigInt(b.balance) > BigInt(a.balance) ? 1 : BigInt(b.balance) < BigInt(a.balance) ? -1 : 0,
    );
    $("balances").tBodies[0].replaceChildren(
      ...(sorted.length === 0 ? [none("no tokens issued yet")] : []),
      ...sorted
        .slice(0, 10)
        .map((a) =>
          h(
            "tr",
            {},
            h("td", {}, h("code", { title: a.key }, a.keyId)),
            h("td", { class: "num" }, tokens(a.balance)),
          ),
        ),
    );
  } catch {
    // The coordinator is restarting or has no ledger: try again later.
  } finally {
    ledger.busy = false;
  }
}

connect();
