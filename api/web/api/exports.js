// Exports of a pay month by kind (pay-sheet, bank, iit, iit-bonus, iit-people, attendance) and format, and the bank
// file's check.
import { download, get } from "./http.js";

export const downloadExport = (period, kind, format) =>
  download(`/exports/${period}/${kind}${format ? `?format=${format}` : ""}`, `${kind}-${period}.${format || "xlsx"}`);
export const bankCheck = (period) => get(`/exports/${period}/bank/check`);

// The reasons GET /exports/{period}/bank/check gives (gateway/pay/exports/bank_batch.py), by their catalogue key; a reason
// not listed here is shown as the server wrote it.
export const BANK_CHECK_REASONS = {
  "net pay is not positive": "payrun.reasonNetNotPositive",
  "no bank account when the run was locked": "payrun.reasonNoAccount",
};
