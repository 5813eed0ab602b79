// Log in with a user name (employees: their code) and password; wrong password and lockout said in words.
import { computed, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute, useRouter } from "vue-router";
import { logIn } from "../api/session.js";
import { homeFor, setMe } from "../auth.js";
import LangSwitch from "../components/LangSwitch.js";
import { showError } from "../components/notify.js";
import { dateTime } from "../format.js";
import { DEFAULT_ZONE } from "../zones.js";

export default {
  components: { LangSwitch },
  setup() {
    const { t } = useI18n();
    const route = useRoute();
    const router = useRouter();
    const form = reactive({ username: "", password: "" });
    const formRef = ref(null);
    const busy = ref(false);
    const refusal = ref("");
    const expired = computed(() => route.query.reason === "expired");
    const rules = computed(() => ({
      username: [{ required: true, message: t("validation.required", { field: t("login.username") }), trigger: "blur" }],
      password: [{ required: true, message: t("validation.required", { field: t("login.password") }), trigger: "blur" }],
    }));

    async function submit() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      busy.value = true;
      refusal.value = "";
      try {
        const me = await logIn(form.username.trim(), form.password);
        setMe(me);
        const next = typeof route.query.next === "string" && route.query.next.startsWith("/") ? route.query.next : null;
        router.replace(next || homeFor(me));
      } catch (error) {
        form.password = "";
        if (error.status === 401) refusal.value = t("login.wrong");
        else if (error.status === 423) {
          const until = error.problem && error.problem.locked_until;
          // The lockout ends at a moment; shown on the clock of the office zone (the login page knows no office).
          refusal.value = until
            ? t("login.locked", { until: dateTime(until, DEFAULT_ZONE) })
            : t("login.lockedNoTime");
        } else showError(error);
      } finally {
        busy.value = false;
      }
    }

    return { form, formRef, rules, busy, refusal, expired, submit };
  },
  template: `
<div class="auth-page">
  <div class="auth-lang"><LangSwitch /></div>
  <el-card class="auth-card" shadow="always">
    <div class="auth-brand"><span class="brand-mark">{{ $t('app.mark') }}</span><span>{{ $t('app.name') }} · {{ $t('app.title') }}</span></div>
    <h1 class="auth-title">{{ $t('login.title') }}</h1>
    <el-alert v-if="expired && !refusal" type="warning" :title="$t('login.expired')" :closable="false" show-icon class="auth-alert" data-test="expired" />
    <el-alert v-if="refusal" type="error" :title="refusal" :closable="false" show-icon class="auth-alert" data-test="login-error" />
    <el-form ref="formRef" :model="form" :rules="rules" label-position="top" size="large" @submit.prevent="submit">
      <el-form-item :label="$t('login.username')" prop="username">
        <el-input v-model="form.username" name="username" autocomplete="username" :placeholder="$t('login.usernameHint')" />
      </el-form-item>
      <el-form-item :label="$t('login.password')" prop="password">
        <el-input v-model="form.password" name="password" type="password" show-password autocomplete="current-password" />
      </el-form-item>
      <el-button type="primary" native-type="submit" :loading="busy" class="auth-submit" data-test="login-submit">{{ $t('login.submit') }}</el-button>
    </el-form>
    <div class="auth-links"><router-link :to="{ name: 'activate' }">{{ $t('login.activateLink') }}</router-link></div>
  </el-card>
</div>`,
};
