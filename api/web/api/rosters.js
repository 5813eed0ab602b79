// Rosters (排班): an office's month grid, single cells (all or none), a pattern over a range, patterns and crews,
// and the month's grid as Excel (export, import with the cell-by-cell report of a refused file).
import { download, get, post, put, uploadForm } from "./http.js";

export const getRoster = (office, period) => get("/rosters", { office, period });
// cells: [{ employee, date, shift | null }] — null is a rest day
export const saveCells = (office, cells) => put("/rosters/cells", { office, cells });
export const assignPattern = (body) => post("/rosters/assign", body);
export const listPatterns = (office) => get("/roster-patterns", { office });
export const listCrews = (office) => get("/crews", { office });
export const downloadRoster = (office, period) =>
  download(`/rosters.xlsx?${new URLSearchParams({ office, period })}`, `roster-${period}.xlsx`);
export const importRoster = (office, period, file) => uploadForm("/rosters/import", "file", file, { office, period });
