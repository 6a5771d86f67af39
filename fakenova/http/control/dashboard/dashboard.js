// fakenova's dashboard: reads the control API and follows it live (the journal's `since`).
"use strict";

const api = "./";
const state = {lastSeq: 0, journal: [], ticks: 0, loaded: false};
const JOURNAL_ROWS = 50;

async function call(method, path, body) {
  const init = {method, headers: {"Accept": "application/json"}};
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const answer = await fetch(api + path, init);
  const text = await answer.text();
  const data = text ? JSON.parse(text) : null;
  if (!answer.ok) {
    throw new Error(data && data.error ? data.error.message : `${answer.status}`);
  }
  return data;
}

function say(message) {
  document.getElementById("status").textContent = message;
}

function cell(row, value, className) {
  const td = row.insertCell();
  td.textContent = value === null || value === undefined ? "" : String(value);
  if (className) td.className = className;
  return td;
}

function fill(tableId, items, render) {
  const body = document.querySelector(`#${tableId} tbody`);
  const rows = document.createDocumentFragment();
  for (const item of items) {
    const row = document.createElement("tr");
    render(row, item);
    rows.appendChild(row);
  }
  body.replaceChildren(rows);
}

function showState(cloud) {
  const volumeNames = new Map(cloud.volumes.map(v => [v.id, v.name || v.id]));
  const serverNames = new Map(cloud.servers.map(s => [s.id, s.name || s.id]));
  fill("servers", cloud.servers, (row, s) => {
    cell(row, s.name); cell(row, s.id); cell(row, s.status);
    cell(row, s.task_state || "—"); cell(row, s.locked ? "locked" : "no");
  });
  fill("volumes", cloud.volumes, (row, v) => {
    cell(row, v.name || "—"); cell(row, v.id); cell(row, v.status);
    cell(row, v.multiattach ? "yes" : "no");
  });
  const attached = cloud.servers.flatMap(s => s.bdms.filter(b => b.volume_id)
    .map(b => ({server: serverNames.get(s.id), volume: volumeNames.get(b.volume_id) || b.volume_id,
                device: b.device_name, tag: b.tag, dot: b.delete_on_termination})));
  fill("attachments", attached, (row, a) => {
    cell(row, a.server); cell(row, a.volume); cell(row, a.device || "(none yet)");
    cell(row, a.tag || "—"); cell(row, a.dot ? "yes" : "no");
  });
}

function showFaults(faults) {
  fill("faults", faults, (row, f) => {
    cell(row, f.id); cell(row, f.name || "rule"); cell(row, f.method || "any");
    cell(row, f.path || "any");
    cell(row, f.action === "respond" || !f.action ? f.status : f.action);
    cell(row, f.seen); cell(row, f.fired);
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Remove";
    button.setAttribute("aria-label", `Remove rule ${f.id}`);
    button.addEventListener("click", () => act(() => call("DELETE", `faults/${f.id}`),
                                                `Removed ${f.id}`));
    row.insertCell().appendChild(button);
  });
}

function showJournal(entries) {
  state.journal = entries.concat(state.journal).slice(0, JOURNAL_ROWS);
  fill("journal", state.journal, (row, e) => {
    cell(row, e.seq); cell(row, e.time.slice(11, 23)); cell(row, e.method);
    const path = cell(row, e.path);
    if (e.unimplemented) {
      row.className = "unimplemented";
      path.textContent = `${e.path} — not modelled` +
        (e.nearest_route ? `; nearest: ${e.nearest_route}` : "");
    }
    cell(row, e.microversion || "—"); cell(row, e.project || "—");
    const status = e.status === null ? "dropped" : String(e.status) + (e.why ? ` (${e.why})` : "");
    cell(row, status, e.status === null || e.status >= 400 ? "bad" : "good");
    cell(row, e.fault || "—", e.fault ? "bad" : "");
  });
}

function showClock(clock) {
  document.getElementById("clock").textContent =
    `clock: ${clock.mode}, ${clock.pending} transition${clock.pending === 1 ? "" : "s"} pending`;
  document.getElementById("advance-form").hidden = clock.mode !== "manual";
}

function showSnapshots(names) {
  const list = document.getElementById("snapshots");
  list.replaceChildren(...names.map(name => {
    const item = document.createElement("li");
    item.append(`${name} `);
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = "Restore";
    button.setAttribute("aria-label", `Restore snapshot ${name}`);
    button.addEventListener("click", () => act(
      () => call("POST", `snapshots/${encodeURIComponent(name)}/restore`), `Restored ${name}`));
    item.appendChild(button);
    return item;
  }));
}

async function refresh(force = false) {
  const query = state.lastSeq ? `since=${state.lastSeq}` : `limit=${JOURNAL_ROWS}`;
  const [journal, clock] = await Promise.all([call("GET", `requests?${query}`),
                                              call("GET", "clock")]);
  const fresh = journal.requests.reverse();
  if (fresh.length) state.lastSeq = fresh[0].seq;
  if (fresh.length || !state.journal.length) showJournal(fresh);
  showClock(clock);
  // The whole state only when something may have changed (a request came, a transition is
  // pending, this page acted) or every tenth second: a large cloud is not copied idly.
  state.ticks = (state.ticks + 1) % 10;
  if (!force && state.loaded && !fresh.length && !clock.pending && state.ticks) return;
  const [cloud, faults, snapshots] = await Promise.all([
    call("GET", "state"), call("GET", "faults"), call("GET", "snapshots")]);
  showState(cloud); showFaults(faults.faults); showSnapshots(snapshots.snapshots);
  state.loaded = true;
}

async function act(action, done) {
  try {
    await action();
    say(done);
  } catch (error) {
    say(`Refused: ${error.message}`);
  }
  await refresh(true);
}

function formValues(form) {
  const values = {};
  for (const [key, value] of new FormData(form)) {
    if (value === "") continue;
    const input = form.elements[key];
    values[key] = input.type === "number" ? Number(value) : value;
  }
  return values;
}

async function loadPresets() {
  const document_ = await call("GET", "openapi.json");
  const names = document_.components.schemas["control.fault_preset"].properties.preset.enum;
  const select = document.getElementById("preset");
  select.replaceChildren(...names.map(name => new Option(name, name)));
}

function wire() {
  document.getElementById("reset").addEventListener("click", () => act(async () => {
    await call("POST", "reset");
    state.journal = [];  // reset empties the journal
  }, "Reset to the fixtures"));
  document.getElementById("preset-form").addEventListener("submit", event => {
    event.preventDefault();
    const values = formValues(event.target);
    act(() => call("POST", "faults", values), `Added preset ${values.preset}`);
  });
  document.getElementById("snapshot-form").addEventListener("submit", event => {
    event.preventDefault();
    const values = formValues(event.target);
    act(() => call("POST", "snapshots", values), `Took snapshot ${values.name}`);
  });
  document.getElementById("advance-form").addEventListener("submit", event => {
    event.preventDefault();
    const values = formValues(event.target);
    act(() => call("POST", "clock", {advance: values.advance}),
        `Advanced the clock by ${values.advance} s`);
  });
}

async function follow() {
  try {
    if (!document.hidden) await refresh();
  } catch (error) {
    say(`Cannot reach fakenova: ${error.message}`);
  }
  setTimeout(follow, 1000);
}

wire();
loadPresets().catch(error => say(`Cannot load the presets: ${error.message}`));
follow();
