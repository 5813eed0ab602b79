// The employee's own screens: the month calendar, requests (mine, new, withdraw), leave types, balances and
// ledger, a payslip's receipt (opened, confirm, question) and HR's view of them per run, SI and HF by month.
import { get, post } from "./http.js";

export const myMonth = (code, period) => get(`/employees/${encodeURIComponent(code)}/month`, { period });

export const myRequests = () => get("/requests/mine");
export const getRequest = (id) => get(`/requests/${id}`);
export const submitRequest = (body) => post("/requests", body);
export const withdrawRequest = (id, comment = "") => post(`/requests/${id}/withdraw`, { comment });

export const leaveTypes = () => get("/leave/types");
export const leaveBalances = (year) => get("/leave/balances", { year });
export const leaveLedger = (year) => get("/leave/ledger", { year });

export const getReceipt = (payslip) => get(`/payslips/${payslip}/receipt`);
export const markViewed = (payslip) => post(`/payslips/${payslip}/receipt/view`);
export const confirmPayslip = (payslip) => post(`/payslips/${payslip}/receipt/confirm`);
export const questionPayslip = (payslip, text) => post(`/payslips/${payslip}/receipt/question`, { text });
export const runReceipts = (run, state) => get(`/payruns/${run}/receipts`, { state });

export const myContributions = (year) => get("/contributions", { year });
