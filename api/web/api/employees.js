// Employees: the list, one employee, create and edit, badges, bank account, the login's activation code, and the
// employee sheet (template, export, import with a dry run).
import { download, get, patch, post, put, remove, uploadForm } from "./http.js";

export const listEmployees = (query) => get("/employees", query);
export const getEmployee = (code) => get(`/employees/${encodeURIComponent(code)}`);
export const createEmployee = (fields) => post("/employees", fields);
export const updateEmployee = (code, fields) => patch(`/employees/${encodeURIComponent(code)}`, fields);
export const addBadge = (code, pin, deviceSn, card, privilege) =>
  post(`/employees/${encodeURIComponent(code)}/badges`, { pin, device_sn: deviceSn || null, card: card || null, device_privilege: privilege || "user" });
// A badge's card number (digits; "" clears it) and device privilege, written to the terminals by the next user sync.
export const updateBadge = (code, id, card, privilege) =>
  patch(`/employees/${encodeURIComponent(code)}/badges/${id}`, { card: card || null, device_privilege: privilege });
// Where the employee's badges were written to terminals, and when (and why) they were removed.
export const getTerminalAccess = (code) => get(`/employees/${encodeURIComponent(code)}/terminal-access`);
// The employee's fingers in counts: stored, and which terminals hold them (finger numbers only).
export const getFingerprints = (code) => get(`/employees/${encodeURIComponent(code)}/fingerprints`);
export const removeBadge = (code, id) => remove(`/employees/${encodeURIComponent(code)}/badges/${id}`);
export const getBankAccount = (code) => get(`/employees/${encodeURIComponent(code)}/bank-account`);
export const setBankAccount = (code, account) => put(`/employees/${encodeURIComponent(code)}/bank-account`, account);
// The employee's dated terms (every record, who, when, why, what it replaced) and a new dated change.
export const getHistory = (code, asOf) => get(`/employees/${encodeURIComponent(code)}/history`, asOf ? { as_of: asOf } : undefined);
export const addChange = (code, change) => post(`/employees/${encodeURIComponent(code)}/changes`, change);
export const newActivation = (code) => post(`/employees/${encodeURIComponent(code)}/activation`);
export const downloadTemplate = () => download("/employees/template.xlsx", "employees-template.xlsx");
export const downloadEmployees = () => download("/employees/export.xlsx", "employees.xlsx");
export const importSheet = (file, dryRun) => uploadForm("/employees/import", "file", file, { dry_run: dryRun });

// Every employee matching the server's filters (office, q), 500 a page: for filters the API does not offer.
export async function allEmployees(query) {
  const items = [];
  for (let offset = 0; ; offset += 500) {
    const page = await listEmployees({ ...query, limit: 500, offset });
    items.push(...page.items);
    if (items.length >= page.total || !page.items.length) return items;
  }
}
