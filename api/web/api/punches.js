// Punches, a page at a time; `allPunches` follows next_cursor to the end of the range.
import { get, post } from "./http.js";

export const listPunches = (query) => get("/punches", query);

export async function allPunches(query) {
  const items = [];
  let cursor = null;
  do {
    const page = await listPunches({ ...query, limit: 1000, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// An employee's month as the calendar shows it, and a correction (add, void or move a punch, with a reason).
export const getMonth = (code, period) => get(`/employees/${encodeURIComponent(code)}/month`, { period });
export const addCorrection = (correction) => post("/punches/corrections", correction);
