// The app: Vue 3 + Element Plus (its zh-CN locale by default) + the router and the message catalogues.
import * as Icons from "@element-plus/icons-vue";
import ElementPlus from "element-plus";
import elementEn from "element-plus/locale/en";
import elementZhCn from "element-plus/locale/zh-cn";
import { computed, createApp } from "vue";
import { onSessionExpired } from "./api/http.js";
import { auth, setMe } from "./auth.js";
import AppShell from "./components/AppShell.js";
import { i18n } from "./i18n.js";
import { router } from "./router.js";

const ELEMENT_LOCALES = { "zh-CN": elementZhCn, en: elementEn };

const Root = {
  components: { AppShell },
  setup() {
    const elementLocale = computed(() => ELEMENT_LOCALES[i18n.global.locale.value]);
    return { elementLocale };
  },
  template: `<el-config-provider :locale="elementLocale"><AppShell /></el-config-provider>`,
};

// A request answered 401 while logged in: the session ended (expired, or logged out elsewhere).
onSessionExpired(() => {
  if (!auth.me) return;
  setMe(null);
  const here = router.currentRoute.value;
  router.push({ name: "login", query: { reason: "expired", next: here.fullPath } });
});

const app = createApp(Root);
for (const [name, icon] of Object.entries(Icons)) app.component(`Icon${name}`, icon);
app.use(ElementPlus);
app.use(i18n);
app.use(router);
document.documentElement.lang = i18n.global.locale.value;
app.mount("#app");
