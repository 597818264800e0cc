// The worker's local page: polls /api/status every second and renders it; the buttons and the
// rules form call the control API with the token from the address (#token=…), kept for the tab.
const $ = (id) => document.getElementById(id);
const REASONS = {
  paused: "paused by you",
  schedule: "outside the schedule",
  busy: "the machine is busy",
  battery: "on battery",
};

let token = sessionStorage.getItem("foldnet-token") ?? "";
function tokenFromAddress() {
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (!given) return;
  token = given;
  sessionStorage.setItem("foldnet-token", token);
}
tokenFromAddress();
let rulesShown = false;

function tokens(micro) {
  const m = BigInt(micro);
  const whole = m / 1000000n;
  const frac = (m % 1000000n).toString().padStart(6, "0").replace(/0+$/, "");
  return frac === "" ? `${whole}` : `${whole}.${frac}`;
}

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = await res.json();
  if (res.status === 401) $("need-token").hidden = false;
  if (!res.ok) throw new Error(answer.message ?? `HTTP ${res.status}`);
  return answer;
}

function say(text, error = false) {
  $("message").textContent = text;
  $("message").className = error ? "error" : "";
}

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}

function render(s) {
  const { worker: w, control: c } = s;
  $("need-token").hidden = true;
  $("key").textContent = w.keyId;
  $("connection").textContent = `${w.connection} to ${w.coordinator}`;
  const holding = c.holding.length > 0;
  const state = c.finishing
    ? "finishing the units in hand"
    : holding
      ? `holding: ${c.holding.map((r) => REASONS[r] ?? r).join(", ")}`
      : "folding";
  $("state").textContent = state;
  $("state").className = holding ? "holding" : "";
  $("state").dataset.holding = c.holding.join(" ");
  $("pause").disabled = c.paused;
  $("resume").disabled = !c.paused;
  $("finish").disabled = c.finishing;
  const rows = w.units.map((u, i) => {
    const tr = document.createElement("tr");
    tr.dataset.unit = u.unitId;
    if (holding || i >= c.rules.threads) tr.className = "held";
    const pct = (100 * u.stepsDone) / u.steps;
    const progress = document.createElement("td");
    const bar = document.createElement("span");
    bar.className = "bar";
    const fill = document.createElement("span");
    fill.style.width = `${pct.toFixed(1)}%`;
    bar.append(fill);
    progress.append(bar, ` ${pct.toFixed(1)} %`);
    tr.append(
      cell(String(i + 1)),
      cell(u.jobId),
      cell(u.unitId),
      progress,
      cell(Math.round(u.stepsPerSecond).toLocaleString(), "num"),
      cell(u.bestEnergy === undefined || u.bestEnergy === null ? "–" : String(u.bestEnergy), "num"),
    );
    return tr;
  });
  $("units").replaceChildren(...rows);
  const free = Math.max(0, c.rules.threads - w.units.length);
  $("idle-threads").textContent = free > 0 ? `${free} thread(s) waiting for work` : "";
  $("earned").textContent = tokens(w.tokensEarned);
  $("balance").textContent = s.balance === undefined ? "unknown" : tokens(s.balance);
  $("results").textContent =
    `${w.resultsAccepted} accepted, ${w.resultsRejected} rejected, ${w.spooled} awaiting a verdict`;
  $("other-cpu").textContent = c.otherCpuPct === undefined ? "–" : `${c.otherCpuPct.toFixed(0)} %`;
  $("battery").textContent = c.onBattery ? "on battery" : "on mains or no battery";
  $("max-threads").textContent = String(c.maxThreads);
  $("saved-to").textContent = c.configFile
    ? `Changes are saved to ${c.configFile}.`
    : "No --config file: changes last until the worker restarts.";
  if (!rulesShown) showRules(c.rules);
}

function showRules(r) {
  const f = $("rules").elements;
  f.threads.value = r.threads;
  f.maxCpu.value = r.maxCpu;
  f.idleOnly.checked = r.idleOnly;
  f.idleThreshold.value = r.idleThreshold;
  f.schedule.value = r.schedule ?? "";
  f.pauseOnBattery.checked = r.pauseOnBattery;
  rulesShown = true;
}

async function refresh() {
  try {
    render(await api("GET", "/api/status"));
  } catch (err) {
    say(`cannot reach the worker: ${err.message}`, true);
  }
}

for (const action of ["pause", "resume", "finish"]) {
  $(action).addEventListener("click", async () => {
    try {
      render(await api("POST", `/api/${action}`));
      say(`${action}: done`);
    } catch (err) {
      say(`${action} failed: ${err.message}`, true);
    }
  });
}

$("rules").addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = $("rules").elements;
  const body = {
    threads: Number(f.threads.value),
    maxCpu: Number(f.maxCpu.value),
    idleOnly: f.idleOnly.checked,
    idleThreshold: Number(f.idleThreshold.value),
    schedule: f.schedule.value.trim() === "" ? null : f.schedule.value,
    pauseOnBattery: f.pauseOnBattery.checked,
  };
  try {
    const s = await api("PUT", "/api/rules", body);
    showRules(s.control.rules);
    render(s);
    say("rules saved");
  } catch (err) {
    say(`rules not saved: ${err.message}`, true);
  }
});

$("token-save").addEventListener("click", () => {
  token = $("token-input").value.trim();
  sessionStorage.setItem("foldnet-token", token);
  void refresh();
});

addEventListener("hashchange", () => {
  tokenFromAddress();
  void refresh();
});

void refresh();
setInterval(refresh, 1000);
