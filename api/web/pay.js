// Pay on the HR page: pay runs (create → compute → review the changes → lock → export) and payslips with
// their explanation lines. Uses call(), download(), cell() and actionButton() of app.js, which loads after
// this file and starts the page; money goes through yuan() of format.js, never through a float.
"use strict";

function moneyCell(row, fen) { return cell(row, yuan(fen), fen < 0 ? "num negative" : "num"); }

function changesText(count) { return `${count} change${count === 1 ? "" : "s"}`; }

function exportLink(period, format, text) {
  const link = document.createElement("a");
  link.href = `${api}/exports/${period}/${format}`;  // only a hint on hover: a plain click would send no token
  link.textContent = text;
  link.onclick = (event) => {
    event.preventDefault();
    download(`/exports/${encodeURIComponent(period)}/${format}`).catch((e) => showError(e.message));
  };
  return link;
}

async function loadPayRuns() {
  const runs = await call("/payruns");
  // The list carries no payslip count; each run's own page lists its payslips.
  const details = await Promise.all(runs.map((run) => call(`/payruns/${run.id}`)));
  const body = document.querySelector("#payruns tbody");
  body.replaceChildren();
  for (const run of details) {
    const row = body.insertRow();
    const computed = run.status !== "draft";
    cell(row, run.id); cell(row, run.period, "nowrap"); cell(row, run.scope, "nowrap"); cell(row, run.status, `status-${run.status}`);
    cell(row, run.rules_version.split(" ").join("\n"), "rules");  // one rule source a line, never cut inside
    cell(row, computed ? run.payslips.length : "", "num");
    if (computed) { moneyCell(row, run.gross_total_fen); moneyCell(row, run.net_total_fen); }
    else { cell(row, "not computed", "hint"); cell(row, ""); }
    const recompute = row.insertCell();
    if (run.changes.length) {
      recompute.append(actionButton(changesText(run.changes.length), async () => showChanges(run, false)));
    }
    const actions = row.insertCell();
    if (run.status !== "locked") actions.append(actionButton(computed ? "Recompute" : "Compute", () => computeRun(run)));
    if (run.status === "computed") actions.append(actionButton("Lock", () => lockRun(run)));
    if (computed) actions.append(actionButton("Payslips", () => showPayslipsOf(run.period)));
    const exports = row.insertCell();
    if (computed) exports.append(exportLink(run.period, "csv", "CSV"), " ", exportLink(run.period, "xlsx", "XLSX"));
    if (run.status === "locked") exports.append(" ", exportLink(run.period, "bank", "bank\u00a0CSV"));
  }
  // The newest computed month is what HR looks at first (runs come newest period first).
  const period = document.getElementById("payslip-filter").elements.period;
  const newest = runs.find((run) => run.status !== "draft");
  if (!period.value && newest) period.value = newest.period;
}

async function computeRun(run) {
  const result = await call(`/payruns/${run.id}/compute`, { method: "POST" });
  showChanges(result, run.status === "draft");
  await loadPayRuns();
}

async function lockRun(run) {
  if (!confirm(`Lock pay run ${run.id} (${run.period}, ${run.scope})?\n\nA locked run can never be recomputed or changed.`)) {
    return;
  }
  await call(`/payruns/${run.id}/lock`, { method: "POST" });
  await loadPayRuns();
}

// What a (re)computation changed, per employee and field; `old` null = a new payslip, `new` null = one gone.
function showChanges(run, firstComputation) {
  const box = document.getElementById("payrun-changes");
  const body = box.querySelector("tbody");
  body.replaceChildren();
  const what = `Run ${run.id} (${run.period}, ${run.scope})`;
  document.getElementById("payrun-changes-title").textContent = firstComputation
    ? `${what} computed for the first time: there is no earlier computation to compare with.`
    : `${what}: ${run.changes.length === 0 ? "the recompute changed nothing" : `${changesText(run.changes.length)} in its latest recompute`}`;
  for (const change of run.changes) {
    const row = body.insertRow();
    const [field] = namedValue(change.field, change.new ?? change.old);
    cell(row, change.employee); cell(row, field);
    cell(row, change.old === null ? "no payslip" : namedValue(change.field, change.old)[1], "num");
    cell(row, change.new === null ? "no payslip" : namedValue(change.field, change.new)[1], "num");
  }
  box.hidden = false;
}

async function createRun(form) {
  const data = new FormData(form);
  await call("/payruns", { method: "POST", body: JSON.stringify({ period: data.get("period"), scope: data.get("scope").trim() }) });
  showError("");
  await loadPayRuns();
}

function payslipQuery() {
  const form = new FormData(document.getElementById("payslip-filter"));
  const params = new URLSearchParams();
  for (const key of ["period", "employee"]) {
    if (form.get(key)) params.set(key, form.get(key).trim());
  }
  return params;
}

async function loadPayslips() {
  document.getElementById("payslip-detail").hidden = true;
  const slips = (await call("/payslips?" + payslipQuery())).items;
  const body = document.querySelector("#payslips tbody");
  body.replaceChildren();
  for (const slip of slips) {
    const row = body.insertRow();
    cell(row, slip.period, "nowrap"); cell(row, slip.payrun); cell(row, slip.status, `status-${slip.status}`);
    const open = document.createElement("button");
    open.className = "link";
    open.textContent = slip.employee;
    row.insertCell().append(open);
    cell(row, slip.name); moneyCell(row, slip.gross_fen); moneyCell(row, slip.iit_fen); moneyCell(row, slip.net_fen);
    row.className = "clickable";
    row.onclick = () => showPayslip(slip.id, row).catch((e) => showError(e.message));
  }
  if (!slips.length) cell(body.insertRow(), "no payslips match this filter", "hint").colSpan = 8;
}

// The explanation lines answer "why is my pay this?": each amount with its quantities and the rule applied.
async function showPayslip(id, row) {
  const slip = await call(`/payslips/${id}`);
  for (const other of row.parentElement.rows) other.classList.toggle("selected", other === row);
  const unlocked = slip.status === "locked" ? "" : ` — run not locked yet: may still change`;
  document.getElementById("payslip-title").textContent =
    `${slip.employee} ${slip.name}, ${slip.period} (run ${slip.payrun}): net ${yuan(slip.net_fen)} yuan${unlocked}`;
  document.getElementById("payslip-attendance").textContent = "attendance: " + quantitiesText(slip.attendance);
  const body = document.querySelector("#payslip-lines tbody");
  body.replaceChildren();
  for (const line of slip.lines) {
    const tr = body.insertRow();
    if (line.code === "GROSS" || line.code === "NET") tr.className = "total";
    if (line.code.endsWith("_EMPLOYER")) tr.className = "employer";  // the company's cost, listed after NET
    cell(tr, line.code); moneyCell(tr, line.amount_fen); cell(tr, quantitiesText(line.quantities)); cell(tr, line.rule, "rule");
  }
  const detail = document.getElementById("payslip-detail");
  detail.hidden = false;
  detail.scrollIntoView({ block: "nearest" });
}

async function showPayslipsOf(period) {
  const form = document.getElementById("payslip-filter");
  form.elements.period.value = period;
  form.elements.employee.value = "";
  await loadPayslips();
  document.getElementById("payslips-section").scrollIntoView();
}
