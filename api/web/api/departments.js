// Departments (HR): the tree per office with its managers, and moving employees into one.
import { get, patch, post, remove } from "./http.js";

export const listDepartments = (query) => get("/departments", query);
export const createDepartment = (fields) => post("/departments", fields);
export const updateDepartment = (code, fields) => patch(`/departments/${encodeURIComponent(code)}`, fields);
export const deleteDepartment = (code) => remove(`/departments/${encodeURIComponent(code)}`);
export const moveIntoDepartment = (code, employees) =>
  post(`/departments/${encodeURIComponent(code)}/members`, { employees });

// The departments of one office in tree order (each parent before its children, siblings by code), with each
// one's depth: what a select or a table indents by.
export function treeOrder(departments) {
  const children = new Map();
  for (const d of departments) {
    const key = d.parent || "";
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(d);
  }
  const ordered = [];
  const walk = (parent, depth) => {
    for (const d of (children.get(parent) || []).sort((a, b) => a.code.localeCompare(b.code))) {
      ordered.push({ ...d, depth });
      walk(d.code, depth + 1);
    }
  };
  walk("", 0);
  return ordered;
}
