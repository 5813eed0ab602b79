// The HR page: plain fetch() calls to /api/v1 with the pasted bearer token. No framework, no build step.
// format.js (pure formatting) and pay.js (pay runs, payslips) load before this file, which starts the page.
"use strict";

const api = "/api/v1";
let nextCursor = null;

function token() { return sessionStorage.getItem("punchclock-token") || ""; }

function showError(text) {
  const box = document.getElementById("error");
  box.textContent = text;
  box.hidden = !text;
}

// Every API error is problem+json: its title and detail (what to fix) become the error's message.
async function request(path, options = {}) {
  const response = await fetch(api + path, {
    ...options,
    headers: { "Authorization": "Bearer " + token(), "Content-Type": "application/json" },
  });
  if (!response.ok) throw new Error(problemText(response.status, await response.json().catch(() => null)));
  return response;
}

async function call(path, options = {}) {
  const response = await request(path, options);
  return response.status === 204 ? null : response.json();
}

// A plain link cannot send the Authorization header, so a file is fetched and saved from an object URL.
async function download(path) {
  const response = await request(path);
  const named = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "");
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = named ? named[1] : path.split("/").pop();
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);  // revoking at once can cancel the download in some browsers
}

// A button that runs `work` once at a time and shows its error in the error box.
function actionButton(text, work) {
  const button = document.createElement("button");
  button.textContent = text;
  button.onclick = async (event) => {
    event.stopPropagation();
    button.disabled = true;
    try {
      await work();
      showError("");
    } catch (e) { showError(e.message); }
    button.disabled = false;
  };
  return button;
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
  const devices = await call("/devices");
  const offices = [...new Set(devices.map((d) => d.office).filter(Boolean))].sort();
  document.getElementById("offices").replaceChildren(...offices.map((name) => new Option(name)));  // pay run scopes
  for (const d of devices) {
    const row = body.insertRow();
    const h = d.health;
    cell(row, d.name); cell(row, d.sn); cell(row, d.office);
    cell(row, h.state, h.state === "failing" ? "failing" : "ok");
    cell(row, h.last_success_at); cell(row, h.last_error);
    cell(row, h.clock_offset_s === null ? "" : h.clock_offset_s + " s");
    cell(row, h.record_count === null ? "" : `${h.record_count} / ${h.record_capacity}`);
    row.insertCell().append(actionButton("Sync now", async () => {
      try {
        const r = await call(`/devices/${encodeURIComponent(d.sn || d.name)}/sync`, { method: "POST" });
        alert(`${r.device}: read ${r.read}, new ${r.new}, quarantined ${r.quarantined}`);
      } finally { await loadDevices(); }  // a failed sync changes the device's health too
    }));
  }
}

async function loadUnknownPush() {
  const body = document.querySelector("#unknown-push tbody");
  body.replaceChildren();
  for (const t of await call("/devices/unknown-push")) {
    const row = body.insertRow();
    cell(row, t.serial_number); cell(row, t.address); cell(row, t.reason); cell(row, t.first_seen); cell(row, t.last_seen);
    cell(row, t.attempts); cell(row, t.detail);
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

// Each section loads on its own, so a role that may not see one (a viewer and the bank file, an employee
// and the devices) still gets the others; every refusal is listed.
async function refresh() {
  showError("");
  const problems = [];
  for (const load of [loadPayRuns, loadPayslips, loadDevices, loadUnknownPush, loadQuarantine, () => loadPunches(false)]) {
    try { await load(); } catch (e) { problems.push(e.message); }
  }
  showError([...new Set(problems)].join("\n"));
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
document.getElementById("payrun-form").onsubmit = (event) => {
  event.preventDefault();
  createRun(event.target).catch((e) => showError(e.message));
};
document.getElementById("payslip-filter").onsubmit = (event) => {
  event.preventDefault();
  loadPayslips().catch((e) => showError(e.message));
};
document.getElementById("more").onclick = () => loadPunches(true).catch((e) => showError(e.message));
if (token()) refresh();
