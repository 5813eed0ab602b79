// An employee's first login: employee code + the activation code HR handed out + a new password twice. A new hire
// opening the welcome's link (/activate?code=…) or typing its code (LOOKUP-XXXX-XXXX-XXXX-XXXX) needs no employee code.
import { ElMessage } from "element-plus";
import { computed, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute, useRouter } from "vue-router";
import { activate, activateWelcome } from "../api/session.js";
import { homeFor, setMe } from "../auth.js";
import LangSwitch from "../components/LangSwitch.js";
import { showError } from "../components/notify.js";
import { newPasswordRules } from "../components/passwordRules.js";

export default {
  components: { LangSwitch },
  setup() {
    const { t } = useI18n();
    const router = useRouter();
    const route = useRoute();
    const form = reactive({ employee: "", code: String(route.query.code || ""), password: "", confirm: "" });
    const welcome = computed(() => /^[0-9a-f]{8}(-[0-9a-f]{4}){4}$/i.test(form.code.trim()));
    const formRef = ref(null);
    const busy = ref(false);
    const rules = computed(() => ({
      employee: welcome.value ? [] : [{ required: true, message: t("validation.required", { field: t("activate.employee") }), trigger: "blur" }],
      code: [{ required: true, message: t("validation.required", { field: t("activate.code") }), trigger: "blur" }],
      ...newPasswordRules(t, form, () => form.employee.trim(), "activate.password"),
    }));

    async function submit() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      busy.value = true;
      try {
        const me = welcome.value
          ? await activateWelcome(form.code.trim(), form.password)
          : await activate(form.employee.trim(), form.code.trim(), form.password);
        setMe(me);
        ElMessage.success(t("activate.done"));
        router.replace(homeFor(me));
      } catch (error) {
        showError(error);
      } finally {
        busy.value = false;
      }
    }

    return { form, formRef, rules, busy, submit, welcome };
  },
  template: `
<div class="auth-page">
  <div class="auth-lang"><LangSwitch /></div>
  <el-card class="auth-card" shadow="always">
    <h1 class="auth-title">{{ $t('activate.title') }}</h1>
    <p class="muted">{{ welcome ? $t('activate.welcomeIntro') : $t('activate.intro') }}</p>
    <el-form ref="formRef" :model="form" :rules="rules" label-position="top" size="large" @submit.prevent="submit">
      <el-form-item v-if="!welcome" :label="$t('activate.employee')" prop="employee"><el-input v-model="form.employee" name="employee" autocomplete="username" /></el-form-item>
      <el-form-item :label="$t('activate.code')" prop="code"><el-input v-model="form.code" name="code" autocomplete="one-time-code" /></el-form-item>
      <el-form-item :label="$t('activate.password')" prop="password"><el-input v-model="form.password" name="password" type="password" show-password autocomplete="new-password" /></el-form-item>
      <el-form-item :label="$t('activate.confirm')" prop="confirm"><el-input v-model="form.confirm" name="confirm" type="password" show-password autocomplete="new-password" /></el-form-item>
      <el-button type="primary" native-type="submit" :loading="busy" class="auth-submit">{{ $t('activate.submit') }}</el-button>
    </el-form>
    <div class="auth-links"><router-link :to="{ name: 'login' }">{{ $t('activate.back') }}</router-link></div>
  </el-card>
</div>`,
};
