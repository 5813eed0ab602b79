// Quarantined punches (badges no employee has): grouped by badge and terminal, mapped in bulk, or dismissed.
import { get, post } from "./http.js";

export const listBadgeGroups = (query) => get("/quarantine/badges", query);
export const mapBadges = (items) => post("/quarantine/badges/map", { items });
export const listQuarantine = (query) => get("/quarantine", query);
export const dismissEntry = (id, reason) => post(`/quarantine/${id}/dismiss`, { reason });

// Every badge group of a state, following next_cursor to the end.
export async function allBadgeGroups(state) {
  const items = [];
  let cursor = null;
  do {
    const page = await listBadgeGroups({ state, limit: 500, cursor });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return items;
}

// The open entries of one badge group (the dismiss endpoint takes entries, the screen shows groups).
export async function openEntriesOf(group) {
  const entries = [];
  let cursor = null;
  do {
    const page = await listQuarantine({ state: "open", device: group.device_sn, limit: 500, cursor });
    entries.push(...page.items.filter((entry) => entry.punch.pin === group.pin));
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}
