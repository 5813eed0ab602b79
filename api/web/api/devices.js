// Terminals: the list with health, add and edit (admin), read now, and push terminals that were refused.
import { get, patch, post } from "./http.js";

export const listDevices = () => get("/devices");
export const createDevice = (fields) => post("/devices", fields);
export const updateDevice = (ref, fields) => patch(`/devices/${encodeURIComponent(ref)}`, fields);
export const syncDevice = (ref) => post(`/devices/${encodeURIComponent(ref)}/sync`);
export const listUnknownPush = () => get("/devices/unknown-push");
