// Requests and approvals: the list (filters), the approver's inbox, one request with its history, a request
// entered on an employee's behalf, and bulk decisions (one result per id).
import { get, post } from "./http.js";

export const listRequests = (query) => get("/requests", query);
export const getInbox = () => get("/requests/inbox");
export const getRequest = (id) => get(`/requests/${id}`);
export const createRequest = (fields) => post("/requests", fields);
export const decideRequests = (ids, approve, comment) => post("/requests/decisions", { ids, approve, comment });

// The month (YYYY-MM) a request starts in: the calendar shown beside it.
export const monthOf = (request) => request.starts_at.slice(0, 7);

// A file as the API takes an attachment: its name, type and bytes in base64.
export async function attachmentOf(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { filename: file.name, content_type: file.type || "application/octet-stream", data: btoa(binary) };
}
