// The audit log (newest first, by target) and the check of its keyed chain.
import { get } from "./http.js";

export const listAudit = (query) => get("/audit", query);
export const verifyAudit = () => get("/audit/verify");
