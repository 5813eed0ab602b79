// Change one's own password, with the rules shown before typing.
import { ElMessage } from "element-plus";
import { computed, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { useRouter } from "vue-router";
import { changePassword, whoAmI } from "../api/session.js";
import { auth, homeFor, setMe } from "../auth.js";
import { showError } from "../components/notify.js";
import { newPasswordRules } from "../components/passwordRules.js";

export default {
  setup() {
    const { t } = useI18n();
    const router = useRouter();
    const form = reactive({ current: "", password: "", confirm: "" });
    const formRef = ref(null);
    const busy = ref(false);
    const rules = computed(() => ({
      current: [{ required: true, message: t("validation.required", { field: t("password.current") }), trigger: "blur" }],
      ...newPasswordRules(t, form, () => auth.me && auth.me.username, "password.new"),
    }));

    async function submit() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      busy.value = true;
      try {
        await changePassword(form.current, form.password);
        ElMessage.success(t("password.done"));
        setMe(await whoAmI());
        router.replace(homeFor(auth.me));
      } catch (error) {
        if (error.status === 403 && !error.kind.startsWith("csrf")) ElMessage.error(t("password.wrongCurrent"));
        else showError(error);
      } finally {
        busy.value = false;
      }
    }

    return { auth, form, formRef, rules, busy, submit };
  },
  template: `
<div class="page narrow">
  <h2 class="page-title">{{ $t('password.title') }}</h2>
  <el-alert v-if="auth.me.must_change_password" type="warning" :title="$t('password.mustChange')" :closable="false" show-icon />
  <el-card shadow="never" class="block">
    <div class="rules-box">
      <strong>{{ $t('password.rulesTitle') }}</strong>
      <ul><li>{{ $t('password.ruleLength') }}</li><li>{{ $t('password.ruleDigits') }}</li><li>{{ $t('password.ruleUsername') }}</li></ul>
    </div>
    <el-form ref="formRef" :model="form" :rules="rules" label-position="top" @submit.prevent="submit">
      <el-form-item :label="$t('password.current')" prop="current"><el-input v-model="form.current" type="password" show-password autocomplete="current-password" /></el-form-item>
      <el-form-item :label="$t('password.new')" prop="password"><el-input v-model="form.password" type="password" show-password autocomplete="new-password" /></el-form-item>
      <el-form-item :label="$t('password.confirm')" prop="confirm"><el-input v-model="form.confirm" type="password" show-password autocomplete="new-password" /></el-form-item>
      <el-button type="primary" native-type="submit" :loading="busy">{{ $t('password.submit') }}</el-button>
    </el-form>
  </el-card>
</div>`,
};
