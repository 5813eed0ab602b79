// The caller's notifications: GET /api/v1/notifications (unread first), the unread count, marking read.
import { get, post } from "./http.js";

export const listNotifications = (query) => get("/notifications", query);
export const unreadCount = () => get("/notifications/unread-count");
export const markRead = (id) => post(`/notifications/${id}/read`);
export const markAllRead = () => post("/notifications/read-all");
export const listDeliveries = (query) => get("/notifications/deliveries", query);
