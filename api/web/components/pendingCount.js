// The number of requests waiting for the logged-in approver (the inbox menu entry's badge). Read once at login
// and set again by the inbox screen whenever it loads or decides, so the badge never costs a request per page.
import { reactive } from "vue";
import { getInbox } from "../api/requests.js";
import { showError } from "./notify.js";

export const APPROVERS = ["admin", "hr", "manager"];
export const pending = reactive({ count: 0 });

export async function refreshPending() {
  try {
    pending.count = (await getInbox()).length;
  } catch (error) {
    showError(error);
  }
}
