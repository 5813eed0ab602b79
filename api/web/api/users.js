// Logins of staff (admin): list, create with a temporary password, disable, unlock, reset the password.
import { get, patch, post } from "./http.js";

export const listUsers = () => get("/users");
export const createUser = (fields) => post("/users", fields);
export const updateUser = (id, fields) => patch(`/users/${id}`, fields);
