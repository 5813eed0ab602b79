// Pay runs: list, create, show (with payslip summaries), compute, lock.
import { get, post } from "./http.js";

export const listPayRuns = (period) => get("/payruns", { period });
export const createPayRun = (period, scope) => post("/payruns", { period, scope });
export const getPayRun = (id) => get(`/payruns/${id}`);
export const computePayRun = (id) => post(`/payruns/${id}/compute`);
export const lockPayRun = (id, acknowledge = []) => post(`/payruns/${id}/lock`, { acknowledge });
