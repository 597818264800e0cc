/**
 * The dashboard's leaderboard: the top teams and keys by tokens earned (work rewards and
 * bounties), with their results and verified steps, from `GET /api/stats`; refreshed at most
 * every few seconds while live-feed snapshots arrive.
 * @module
 */
import { $, h, tokens, whole } from "./dom.js";

const REFRESH_MS = 5_000;
const TOP = 10;
const state = { busy: false, last: Number.NEGATIVE_INFINITY };

const rows = (items, name) =>
  items
    .slice(0, TOP)
    .map((s, i) =>
      h(
        "tr",
        {},
        h("td", { class: "num" }, String(i + 1)),
        h("td", {}, ...name(s)),
        h("td", { class: "num" }, tokens(s.tokens)),
        h("td", { class: "num" }, whole.format(s.results)),
        h("td", { class: "num" }, whole.format(s.stepsVerified)),
      ),
    );

/** Refreshes the leaderboard when due; hides it until some key has a result. */
export async function refreshLeaderboard() {
  const now = Date.now();
  if (state.busy || now - state.last < REFRESH_MS) return;
  state.busy = true;
  state.last = now;
  try {
    const res = await fetch("/api/stats", { cache: "no-store" });
    if (!res.ok) return;
    const { keys = [], teams = [] } = await res.json();
    const ranked = keys.filter((k) => k.results > 0);
    $("leaderboard").hidden = ranked.length === 0;
    $("leaderboard-teams").hidden = teams.length === 0;
    $("leaderboard-teams").tBodies[0].replaceChildren(
      ...rows(teams, (t) => [t.team, h("span", { class: "muted" }, ` · ${t.members}`)]),
    );
    $("leaderboard-keys").tBodies[0].replaceChildren(
      ...rows(ranked, (k) => [
        h("code", { title: k.key }, k.keyId),
        ...(k.team === null ? [] : [h("span", { class: "muted" }, ` · ${k.team}`)]),
      ]),
    );
  } catch {
    // The coordinator is restarting: try again later.
  } finally {
    state.busy = false;
  }
}
