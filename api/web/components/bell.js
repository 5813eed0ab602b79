// The header bell's unread count, shared by the shell and the notifications page (which refreshes it).
import { reactive } from "vue";
import { unreadCount } from "../api/notifications.js";

export const bell = reactive({ unread: 0 });

export async function refreshBell() {
  try {
    bell.unread = (await unreadCount()).unread;
  } catch {
    bell.unread = 0; // the count is a hint: a failed read shows no number, the page itself shows the error
  }
}
