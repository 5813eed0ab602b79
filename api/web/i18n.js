// The message catalogues and the chosen language (kept per browser in localStorage, Chinese first).
import { createI18n } from "vue-i18n";
import en from "./locales/en.js";
import zhCN from "./locales/zh-CN.js";

const KEY = "punchclock.lang";
export const LANGUAGES = ["zh-CN", "en"];

function storedLanguage() {
  const saved = window.localStorage.getItem(KEY);
  return LANGUAGES.includes(saved) ? saved : "zh-CN";
}

export const i18n = createI18n({
  legacy: false,
  locale: storedLanguage(),
  fallbackLocale: "zh-CN",
  messages: { "zh-CN": zhCN, en },
});

export function setLanguage(language) {
  i18n.global.locale.value = language;
  window.localStorage.setItem(KEY, language);
  document.documentElement.lang = language;
}
