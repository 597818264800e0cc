/**
 * The dashboard's ledger pane and block explorer: recent blocks and the largest balances
 * (refreshed while the coordinator answers /api/ledger/blocks), and an explorer that goes
 * from a block to its entries, from a work entry to its unit and fold picture and on to its
 * job (progress, bounty, best fold), and from
 * a key to its history of rewards, bounties, transfers, escrows and refunds; a search box
 * takes a key id, a key, a block height or a block hash. Links are buttons with data
 * attributes (`data-block`, `data-entry`, `data-key`, `data-job`) handled by one listener.
 * @module
 */
import { $, ago, h, inlineSvg, setText, tokens } from "./dom.js";

/** How often the ledger panel refreshes while the ledger answers, and re-probes when not. */
const LEDGER_REFRESH_MS = 3_000;
const LEDGER_PROBE_MS = 30_000;

const ledger = { enabled: false, busy: false, last: Number.NEGATIVE_INFINITY, wired: false };

const short = (hex) => `${String(hex).slice(0, 12)}…`;
const link = (attrs, text) => h("button", { type: "button", class: "link", ...attrs }, text);
const blockLink = (height) => link({ "data-block": height }, String(height));
const keyLink = (key, text) => link({ "data-key": key, title: key }, text ?? short(key));
const none = (text, colspan) => h("tr", {}, h("td", { class: "empty", colspan }, text));

async function getJson(path) {
  const res = await fetch(path, { cache: "no-store" });
  return res.ok ? res.json() : null;
}

/** Refreshes the recent blocks and balances (when due); shows the pane once the ledger answers. */
export async function refreshLedger() {
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
    const { balances = [] } = (await getJson("/api/ledger/balances")) ?? {};
    ledger.enabled = true;
    $("ledger").hidden = false;
    wire();
    setText($("ledger-pending"), typeof pending === "number" ? `· ${pending} entries pending` : "");
    $("blocks").tBodies[0].replaceChildren(
      ...(blocks.length === 0 ? [none("no block sealed yet", 4)] : []),
      ...blocks.map((b) =>
        h(
          "tr",
          {},
          h("td", { class: "num" }, blockLink(b.height)),
          h("td", {}, h("code", { title: b.hash }, short(b.hash))),
          h("td", {}, ago(Date.now() - b.timestamp)),
          h("td", { class: "num" }, String(b.entries)),
        ),
      ),
    );
    const sorted = [...balances].sort((a, b) =>
      BigInt(b.balance) > BigInt(a.balance) ? 1 : BigInt(b.balance) < BigInt(a.balance) ? -1 : 0,
    );
    $("balances").tBodies[0].replaceChildren(
      ...(sorted.length === 0 ? [none("no tokens issued yet", 2)] : []),
      ...sorted
        .slice(0, 10)
        .map((a) =>
          h(
            "tr",
            {},
            h("td", {}, keyLink(a.key, a.keyId)),
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

// ---------------------------------------------------------------------------------------------
// Explorer

/** Listens for explorer links and searches (once). */
function wire() {
  if (ledger.wired) return;
  ledger.wired = true;
  $("ledger").addEventListener("click", (event) => {
    const target = event.target.closest(
      "button[data-block], button[data-entry], button[data-key], button[data-job], button[data-close]",
    );
    if (target === null) return;
    const { block, entry, key, job, close } = target.dataset;
    if (close !== undefined) show(null);
    else if (job !== undefined) void showJob(job);
    else if (entry !== undefined) void showEntry(...entry.split(":").map(Number));
    else if (block !== undefined) void showBlock(block);
    else if (key !== undefined) void showKey(key);
  });
  $("explorer-search").addEventListener("submit", (event) => {
    event.preventDefault();
    void searchFor($("explorer-q").value);
  });
}

/** Shows `view` (a kind and its nodes) in the explorer, or hides it for null. */
function show(view, ...nodes) {
  const box = $("explorer");
  box.hidden = view === null;
  box.dataset.view = view ?? "";
  box.replaceChildren(
    ...(view === null
      ? []
      : [h("div", { class: "explorer-bar" }, link({ "data-close": "" }, "close ×")), ...nodes]),
  );
}

/** What an entry did, in a few words, with links to its keys. */
function describe(entry, height, index) {
  switch (entry.kind) {
    case "work":
      return [
        "reward ",
        tokens(entry.reward),
        " to ",
        keyLink(entry.worker),
        " for ",
        link({ "data-entry": `${height}:${index}` }, `unit ${entry.unitId}`),
        ` (E = ${entry.bestEnergy})`,
      ];
    case "bounty":
      return [
        "bounty ",
        tokens(entry.amount),
        " of job ",
        entry.jobId,
        " to ",
        keyLink(entry.worker),
        ` for unit ${entry.unitId}`,
      ];
    case "escrow":
      return [
        "escrow ",
        tokens(entry.amount),
        " from ",
        keyLink(entry.funder),
        ` into job ${entry.jobId}`,
      ];
    case "refund":
      return ["refund ", tokens(entry.amount), ` of job ${entry.jobId} to `, keyLink(entry.funder)];
    default:
      return [
        "transfer ",
        tokens(entry.amount),
        " from ",
        keyLink(entry.from),
        " to ",
        keyLink(entry.to),
      ];
  }
}

async function showBlock(ref) {
  const block = await getJson(`/api/ledger/blocks/${encodeURIComponent(ref)}`);
  if (block === null) return show("none", h("p", { class: "empty" }, `no block ${ref}`));
  show(
    "block",
    h("h3", {}, `Block ${block.height}`),
    h(
      "p",
      { class: "muted" },
      h("code", {}, block.hash),
      ` · sealed ${ago(Date.now() - block.timestamp)}`,
    ),
    h(
      "ol",
      { class: "entries", start: 0 },
      ...block.entries.map((e, i) =>
        h("li", { "data-kind": e.kind }, ...describe(e, block.height, i)),
      ),
    ),
  );
}

async function showEntry(height, index) {
  const block = await getJson(`/api/ledger/blocks/${height}`);
  const entry = block?.entries[index];
  if (entry?.kind !== "work") return show("none", h("p", { class: "empty" }, "no such work entry"));
  const job = await getJson(`/api/jobs/${encodeURIComponent(entry.jobId)}`);
  const pic = h("div", { class: "fold-pic" });
  show(
    "entry",
    h("h3", {}, `Unit ${entry.unitId}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "block"),
      h("dd", {}, blockLink(height), ` · entry ${index}`),
      h("dt", {}, "job"),
      h(
        "dd",
        {},
        link({ "data-job": entry.jobId }, job?.name || entry.jobId),
        job === null ? "" : ` · ${job.status} · best E = ${job.bestEnergy}`,
      ),
      h("dt", {}, "worker"),
      h("dd", {}, keyLink(entry.worker)),
      h("dt", {}, "work"),
      h("dd", {}, `${entry.steps} steps on ${entry.sequence.length} residues (${entry.lattice})`),
      h("dt", {}, "found"),
      h("dd", {}, `E = ${entry.bestEnergy} · reward ${tokens(entry.reward)}`),
    ),
    h("figure", { class: "fold" }, pic, h("figcaption", {}, `fold of unit ${entry.unitId}`)),
  );
  await loadPicture(pic, `/api/ledger/blocks/${height}/${index}.svg`);
}

/** Puts the coordinator's SVG picture at `path` into `pic` (nothing if there is none). */
async function loadPicture(pic, path) {
  const res = await fetch(path, { cache: "no-store" });
  const svg = res.ok ? inlineSvg(await res.text()) : null;
  if (svg !== null) pic.replaceChildren(svg);
}

/** A job: its progress, bounty and the picture of its best fold so far. */
async function showJob(id) {
  const job = await getJson(`/api/jobs/${encodeURIComponent(id)}`);
  if (job === null) return show("none", h("p", { class: "empty" }, `no job ${id}`));
  const pic = h("div", { class: "fold-pic" });
  const { bounty } = job;
  const refund = bounty?.refunded == null ? "" : ` · ${tokens(bounty.refunded)} refunded`;
  show(
    "job",
    h("h3", {}, `Job ${job.name || job.id}`),
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "status"),
      h("dd", {}, `${job.status} · ${job.unitsVerified} units verified · ${job.stepsDone} steps`),
      h("dt", {}, "sequence"),
      h("dd", {}, `${job.sequence.length} residues (${job.lattice})`),
      h("dt", {}, "best"),
      h("dd", {}, job.bestEnergy === null ? "—" : `E = ${job.bestEnergy}`),
      h("dt", {}, "bounty"),
      h(
        "dd",
        {},
        bounty == null
          ? "none"
          : `${tokens(bounty.amount)} escrowed · ${tokens(bounty.paid)} paid${refund}`,
      ),
    ),
    h("figure", { class: "fold" }, pic, h("figcaption", {}, "the job's best fold")),
  );
  if (job.bestFold !== null)
    await loadPicture(pic, `/api/jobs/${encodeURIComponent(id)}/result.svg`);
}

async function showKey(key) {
  const account = await getJson(`/api/ledger/history/${encodeURIComponent(key)}`);
  if (account === null) return show("none", h("p", { class: "empty" }, `no key ${key}`));
  show(
    "key",
    h("h3", {}, `Key ${account.keyId}`),
    h(
      "p",
      { class: "muted" },
      h("code", {}, account.key),
      ` · ${tokens(account.balance)} tokens · ${account.nonce} sent`,
    ),
    h(
      "table",
      { class: "table history" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { class: "num" }, "block"),
          h("th", { class: "num" }, "change"),
          h("th", {}, "entry"),
        ),
      ),
      h(
        "tbody",
        {},
        ...(account.history.length === 0 ? [none("no sealed entry moved its tokens yet", 3)] : []),
        ...account.history.map((item) =>
          h(
            "tr",
            { "data-kind": item.entry.kind },
            h("td", { class: "num" }, blockLink(item.height)),
            h(
              "td",
              { class: "num" },
              `${BigInt(item.change) > 0n ? "+" : ""}${tokens(item.change)}`,
            ),
            h("td", {}, ...describe(item.entry, item.height, item.index)),
          ),
        ),
      ),
    ),
  );
}

async function searchFor(term) {
  const hit = await getJson(`/api/ledger/search?q=${encodeURIComponent(term)}`);
  if (hit?.kind === "block") return showBlock(hit.height);
  if (hit?.kind === "key") return showKey(hit.key);
  show("none", h("p", { class: "empty" }, `nothing found for "${term}"`));
}
