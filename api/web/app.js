// The HR page: plain fetch() calls to /api/v1 with the pasted bearer token. No framework, no build step.
"use strict";

const api = "/api/v1";
let nextCursor = null;

function token() { return sessionStorage.getItem("punchclock-token") || ""; }

function showError(text) {
  const box = document.getElementById("error");
  box.textContent = text;
  box.hidden = !text;
}

async function call(path, options = {}) {
  const response = await fetch(api + path, {
    ...options,
    headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
  });
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) {  // problem+json: detail says what to fix
    throw new Error(`${body.title} (${response.status}): ${body.detail}`);
  }
  return body;
}

function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text === null || text === undefined ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}

async function loadDevices() {
  const body = document.querySelector("#devices tbody");
  body.replaceChildren();
  for (const d of await call("/devices")) {
    const row = body.insertRow();
    const h = d.health;
    cell(row, d.name); cell(row, d.sn); cell(row, d.office);
    cell(row, h.state, h.state === "failing" ? "failing" : "ok");
    cell(row, h.last_success_at); cell(row, h.last_error);
    cell(row, h.clock_offset_s === null ? "" : h.clock_offset_s + " s");
    cell(row, h.record_count === null ? "" : `${h.record_count} / ${h.record_capacity}`);
    const button = document.createElement("button");
    button.textContent = "Sync now";
    button.onclick = async () => {
      button.disabled = true;
      try {
        const r = await call(`/devices/${encodeURIComponent(d.sn || d.name)}/sync`, { method: "POST" });
        showError("");
        alert(`${r.device}: read ${r.read}, new ${r.new}, quarantined ${r.quarantined}`);
      } catch (e) { showError(e.message); }
      button.disabled = false;
      await loadDevices();
    };
    row.insertCell().append(button);
  }
}

async function loadUnknownPush() {
  const body = document.querySelector("#unknown-push tbody");
  body.replaceChildren();
  for (const t of await call("/devices/unknown-push")) {
    const row = body.insertRow();
    cell(row, t.serial_number); cell(row, t.address); cell(row, t.first_seen); cell(row, t.last_seen); cell(row, t.attempts);
  }
}

async function loadQuarantine() {
  const body = document.querySelector("#quarantine tbody");
  body.replaceChildren();
  for (const q of (await call("/quarantine?state=open&limit=200")).items) {
    const row = body.insertRow();
    cell(row, q.punch.device_sn); cell(row, q.punch.pin); cell(row, q.punch.ts_local); cell(row, q.reason);
  }
}

function punchQuery() {
  const form = new FormData(document.getElementById("punch-filter"));
  const params = new URLSearchParams({ limit: "100" });
  if (form.get("employee")) params.set("employee", form.get("employee"));
  for (const key of ["start", "end"]) {
    if (form.get(key)) params.set(key, new Date(form.get(key)).toISOString());
  }
  if (nextCursor) params.set("cursor", nextCursor);
  return params;
}

async function loadPunches(append) {
  const body = document.querySelector("#punches tbody");
  if (!append) { body.replaceChildren(); nextCursor = null; }
  const page = await call("/punches?" + punchQuery());
  for (const p of page.items) {
    const row = body.insertRow();
    cell(row, p.id); cell(row, p.employee); cell(row, p.pin); cell(row, p.device_sn);
    cell(row, p.ts_local); cell(row, p.ts_utc); cell(row, p.flags.join(", "));
  }
  nextCursor = page.next_cursor;
  document.getElementById("more").hidden = !nextCursor;
}

async function refresh() {
  showError("");
  try {
    await loadDevices();
    await loadUnknownPush();
    await loadQuarantine();
    await loadPunches(false);
  } catch (e) { showError(e.message); }
}

document.getElementById("login").onsubmit = (event) => {
  event.preventDefault();
  sessionStorage.setItem("punchclock-token", document.getElementById("token").value.trim());
  refresh();
};
document.getElementById("punch-filter").onsubmit = (event) => {
  event.preventDefault();
  loadPunches(false).catch((e) => showError(e.message));
};
document.getElementById("more").onclick = () => loadPunches(true).catch((e) => showError(e.message));
if (token()) refresh();
