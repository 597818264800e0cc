/**
 * The dashboard: listens to the coordinator's live feed (`/api/events`, one JSON snapshot per
 * event) and keeps the page in step with it — network tiles, one card per job (progress,
 * best-energy plot, picture of the best fold), the workers with their verified throughput,
 * and the ledger pane with its explorer (ledger.js) when the coordinator has a ledger. DOM nodes
 * are kept per job and updated in place, so a fold picture is fetched only when the job's
 * best fold changes and a rotated 3D view keeps its angle. All text goes in as textContent.
 * @module
 */
import { $, ago, h, inlineSvg, plural, SVG_NS, setText, whole } from "./dom.js";
import { rotatableFold } from "./fold3d.js";
import { refreshLeaderboard } from "./leaderboard.js";
import { refreshLedger } from "./ledger.js";
import { drawEnergyPlot } from "./plot.js";

/** Labels of the lattices (sim/lattice.ts `LatticeSpec.label`; the dashboard is plain JS). */
const LATTICE_LABELS = {
  square2d: "2D square",
  cubic3d: "3D cubic",
  fcc3d: "3D face-centred cubic",
};
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

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
  void refreshLeaderboard();
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
  const svg = inlineSvg(text);
  if (svg === null) return;
  const pic = card.refs.fold.querySelector(".fold-pic");
  pic.replaceChildren(svg);
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
    // the volunteer's --name, sanitised by the coordinator and inserted as text
    if (w.name) name.append(" ", h("span", { class: "wname" }, w.name));
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

connect();
