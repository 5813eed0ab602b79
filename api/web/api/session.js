// Logging in and out: POST/GET/DELETE /api/v1/session, the employee's first login (activation) and password change.
import { get, post, request } from "./http.js";

export const whoAmI = () => get("/session", undefined, { anonymous: true });
export const logIn = (username, password) => post("/session", { username, password }, { anonymous: true });
export const logOut = () => request("DELETE", "/session", { anonymous: true });
export const activate = (employee, code, password) =>
  post("/activation", { employee, code, password }, { anonymous: true });
// A new hire's welcome code (LOOKUP-SECRET) names its employee itself.
export const activateWelcome = (code, password) => post("/session/activate", { code, password }, { anonymous: true });
export const changePassword = (currentPassword, newPassword) =>
  post("/session/password", { current_password: currentPassword, new_password: newPassword });
