// A resignation beyond its request: the termination reason, the handover checklist, and the 离职结算单 (JSON and XLSX).
import { download, get, put } from "./http.js";

export const terminations = () => get("/resignations/terminations");
export const getResignation = (id) => get(`/resignations/${id}`);
export const setTermination = (id, termination, severanceBaseFen) =>
  put(`/resignations/${id}/termination`, { termination, severance_base_fen: severanceBaseFen });
export const tickHandover = (id, position, done) => put(`/resignations/${id}/handover/${position}`, { done });

export const getSettlement = (code) => get(`/settlements/${encodeURIComponent(code)}`);
export const downloadSettlement = (code) =>
  download(`/settlements/${encodeURIComponent(code)}/xlsx`, `settlement_${code}.xlsx`);

// The resignation to show of a list of requests (GET /requests or /requests/mine): the approved one, else the
// newest still pending, else none.
export function resignationOf(requests) {
  const mine = requests.filter((r) => r.kind === "resignation").sort((a, b) => b.id - a.id);
  return mine.find((r) => r.status === "approved") || mine.find((r) => r.status === "pending") || null;
}
