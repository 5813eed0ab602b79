// Errors shown to the user: the catalogue's message for the kind of failure, with the server's detail beneath.
import { ElNotification } from "element-plus";
import { h } from "vue";
import { i18n } from "../i18n.js";

export function showError(error) {
  const t = i18n.global.t;
  const detail = error.detail;
  ElNotification({
    type: "error",
    title: t(`errors.${error.kind || "server"}`),
    message: detail ? h("div", { class: "problem-detail" }, t("errors.detail", { detail })) : "",
    duration: 8000,
  });
}
