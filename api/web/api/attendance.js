// Month attendance totals (an employee's session: its own row).
import { get } from "./http.js";

export const getAttendance = (period, employee) => get("/attendance", { period, employee });
