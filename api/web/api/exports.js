// Exports of a pay month: pay sheet (xlsx, csv), the bank file, and the bank file's check.
import { download, get } from "./http.js";

export const downloadExport = (period, format) => download(`/exports/${period}/${format}`, `${format}-${period}`);
export const bankCheck = (period) => get(`/exports/${period}/bank/check`);
