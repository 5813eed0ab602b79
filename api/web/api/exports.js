// Exports of a pay month: pay sheet (xlsx, csv), the bank file, and the bank file's check.
import { download, get } from "./http.js";

export const downloadExport = (period, format) => download(`/exports/${period}/${format}`, `${format}-${period}`);
export const bankCheck = (period) => get(`/exports/${period}/bank/check`);

// The reasons GET /exports/{period}/bank/check gives (gateway/pay/exports.py), by their catalogue key; a reason
// not listed here is shown as the server wrote it.
export const BANK_CHECK_REASONS = {
  "net pay is not positive": "payrun.reasonNetNotPositive",
  "no bank account when the run was locked": "payrun.reasonNoAccount",
};
