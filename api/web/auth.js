// Who is logged in (the API's `Me`), shared by the router, the layout and the views.
import { reactive } from "vue";
import { setCsrfToken } from "./api/http.js";
import { whoAmI } from "./api/session.js";

export const STAFF = ["admin", "hr", "viewer"];
export const WRITERS = ["admin", "hr"];

export const auth = reactive({ me: null, checked: false });

export function setMe(me) {
  auth.me = me;
  setCsrfToken(me ? me.csrf_token : null);
}

// Ask the server once whether this browser holds a session (a 401 just means nobody is logged in).
export async function loadSession() {
  try {
    setMe(await whoAmI());
  } catch (error) {
    if (error.status !== 401) throw error;
    setMe(null);
  } finally {
    auth.checked = true;
  }
}

export const can = (roles) => auth.me !== null && roles.includes(auth.me.role);
export const canWrite = () => can(WRITERS);

// Where a role starts: employees at their payslips, managers at their approval inbox, everyone else at the dashboard.
export const homeFor = (me) =>
  me && me.role === "employee" ? { name: "my-payslips" } : me && me.role === "manager" ? { name: "inbox" } : { name: "dashboard" };
