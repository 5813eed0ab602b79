// Payslips with their lines; an employee's session gets its own locked ones only.
import { get } from "./http.js";

export const listPayslips = ({ period, employee, cursor, limit } = {}) =>
  get("/payslips", { period, employee, cursor, limit });
export const getPayslip = (id) => get(`/payslips/${id}`);
