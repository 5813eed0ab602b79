// Personnel changes (转正, 调薪, 调动): a manager's team, the terms in force on a day beside the form (with 转正's
// agreed pay), and the change itself, submitted as a request of kind `change` (decided in the inbox).
import { get } from "./http.js";
import { createRequest } from "./requests.js";

export const getTeam = () => get("/personnel-changes/team");
export const getChangeTerms = (code, day) =>
  get(`/personnel-changes/${encodeURIComponent(code)}/terms`, day ? { day } : undefined);
export const submitChange = (code, changeType, effectiveFrom, terms, reason) =>
  createRequest({ kind: "change", employee: code, change_type: changeType, effective_from: effectiveFrom, terms, reason });
