// Users and tokens (admin). Users: create a staff login with a temporary password (changed at its first login),
// disable or enable, unlock after wrong passwords, reset the password to a new temporary one. Tokens for
// machines and scripts: create with an optional expiry — the secret is shown once —, revoke; tokens from the
// config file are marked and cannot be revoked here (the next start would bring them back).
import { ElMessage, ElMessageBox } from "element-plus";
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { createToken, listTokens, revokeToken } from "../api/tokens.js";
import { createUser, listUsers, updateUser } from "../api/users.js";
import { auth } from "../auth.js";
import { showError } from "../components/notify.js";
import { newPasswordRules, passwordProblems } from "../components/passwordRules.js";
import { dateTime } from "../format.js";
import { isPhone } from "../viewport.js";
import { DEFAULT_ZONE } from "../zones.js";

const STAFF_ROLES = ["hr", "viewer", "admin"];
const TOKEN_ROLES = ["hr", "viewer", "admin", "employee"];
// The expiry choices: the API's expires_in ("" = never) and their catalogue keys.
const EXPIRIES = [{ value: "30d", key: "days30" }, { value: "90d", key: "days90" }, { value: "365d", key: "days365" }, { value: "", key: "never" }];

export default {
  setup() {
    const { t } = useI18n();
    const tab = ref("users");
    const users = ref([]);
    const tokens = ref([]);
    const loading = ref(false);
    const userForm = reactive({ username: "", display_name: "", role: "hr", password: "", confirm: "" });
    const userRef = ref(null);
    const creatingUser = ref(false);
    const tokenForm = reactive({ name: "", role: "hr", employee: "", expires_in: "90d" });
    const tokenRef = ref(null);
    const creatingToken = ref(false);
    const secret = ref(null);

    const userRules = computed(() => ({
      username: [{ required: true, message: t("validation.required", { field: t("users.username") }), trigger: "blur" },
        { pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, message: t("validation.username"), trigger: "blur" }],
      display_name: [{ required: true, message: t("validation.required", { field: t("users.displayName") }), trigger: "blur" }],
      ...newPasswordRules(t, userForm, () => userForm.username, "users.tempPassword"),
    }));
    const tokenRules = computed(() => ({
      name: [{ required: true, message: t("validation.required", { field: t("tokens.name") }), trigger: "blur" }],
      employee: [{ validator: (_r, v, done) => done(tokenForm.role === "employee" && !v ? new Error(t("validation.required", { field: t("tokens.employee") })) : undefined), trigger: "blur" }],
    }));

    async function load() {
      loading.value = true;
      try {
        [users.value, tokens.value] = await Promise.all([listUsers(), listTokens()]);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function newUser() {
      Object.assign(userForm, { username: "", display_name: "", role: "hr", password: "", confirm: "" });
      creatingUser.value = true;
      setTimeout(() => userRef.value && userRef.value.clearValidate(), 0);
    }

    async function saveUser() {
      if (!(await userRef.value.validate().catch(() => false))) return;
      try {
        const user = await createUser({ username: userForm.username.trim(), display_name: userForm.display_name.trim(), role: userForm.role, password: userForm.password });
        creatingUser.value = false;
        ElMessage.success(t("users.created", { name: user.username }));
        load();
      } catch (error) {
        showError(error);
      }
    }

    async function change(user, fields, confirmKey, doneKey) {
      try {
        await ElMessageBox.confirm(t(confirmKey, { name: user.username }), t("common.confirm"), { type: "warning" });
      } catch {
        return;
      }
      try {
        await updateUser(user.id, fields);
        ElMessage.success(t(doneKey, { name: user.username }));
        load();
      } catch (error) {
        showError(error);
      }
    }

    async function resetPassword(user) {
      let password;
      try {
        ({ value: password } = await ElMessageBox.prompt(t("users.resetPrompt", { name: user.username }), t("users.reset"), {
          inputType: "password",
          inputValidator: (v) => {
            const problems = passwordProblems(v || "", user.username);
            return problems.length ? problems.map((key) => t(key)).join(t("common.listSeparator")) : true;
          },
        }));
      } catch {
        return;
      }
      try {
        await updateUser(user.id, { password });
        ElMessage.success(t("users.resetDone", { name: user.username }));
        load();
      } catch (error) {
        showError(error);
      }
    }

    function newToken() {
      Object.assign(tokenForm, { name: "", role: "hr", employee: "", expires_in: "90d" });
      creatingToken.value = true;
      setTimeout(() => tokenRef.value && tokenRef.value.clearValidate(), 0);
    }

    async function saveToken() {
      if (!(await tokenRef.value.validate().catch(() => false))) return;
      try {
        const made = await createToken({
          name: tokenForm.name.trim(), role: tokenForm.role, employee: tokenForm.role === "employee" ? tokenForm.employee.trim() : null,
          expires_in: tokenForm.expires_in || null,
        });
        creatingToken.value = false;
        secret.value = made;
        load();
      } catch (error) {
        showError(error);
      }
    }

    async function revoke(token) {
      try {
        await ElMessageBox.confirm(t("tokens.revokeConfirm", { name: token.name }), t("tokens.revoke"), { type: "warning" });
      } catch {
        return;
      }
      try {
        await revokeToken(token.id);
        ElMessage.success(t("tokens.revoked", { name: token.name }));
        load();
      } catch (error) {
        showError(error);
      }
    }

    async function copy(text) {
      try {
        await navigator.clipboard.writeText(text);
        ElMessage.success(t("tokens.copied"));
      } catch {
        ElMessage.warning(t("tokens.copyFailed"));
      }
    }

    onMounted(load);
    return {
      tab, users, tokens, loading, userForm, userRef, userRules, creatingUser, tokenForm, tokenRef, tokenRules, creatingToken, secret,
      STAFF_ROLES, TOKEN_ROLES, EXPIRIES, isPhone, load, newUser, saveUser, change, resetPassword, newToken, saveToken, revoke, copy,
      self: (user) => auth.me && auth.me.username === user.username,
      when: (value) => dateTime(value, DEFAULT_ZONE),
      tokenState: (token) => (token.revoked_at ? "revoked" : token.expires_at && new Date(token.expires_at) < new Date() ? "expired" : "active"),
    };
  },
  template: `
<div class="page" v-loading="loading">
  <div class="page-head"><h2 class="page-title">{{ $t('users.title') }}</h2></div>
  <el-tabs v-model="tab">
    <el-tab-pane :label="$t('users.tab')" name="users">
      <div class="page-head"><p class="muted intro">{{ $t('users.intro') }}</p><span class="spacer"></span>
        <el-button type="primary" @click="newUser" data-test="user-create"><el-icon><IconPlus /></el-icon><span>{{ $t('users.create') }}</span></el-button></div>
      <el-table :data="users" data-test="users" :empty-text="$t('common.empty')">
        <el-table-column :label="$t('users.username')" prop="username" min-width="120" />
        <el-table-column :label="$t('users.displayName')" prop="display_name" min-width="100" />
        <el-table-column :label="$t('users.role')" width="100"><template #default="{ row }">{{ $t('user.role.' + row.role) }}<span v-if="row.employee" class="muted"> {{ row.employee }}</span></template></el-table-column>
        <el-table-column :label="$t('users.state')" min-width="150"><template #default="{ row }">
          <el-tag v-if="row.disabled" type="info" size="small">{{ $t('users.disabled') }}</el-tag>
          <el-tag v-else-if="row.locked_until" type="danger" size="small">{{ $t('users.lockedUntil', { at: when(row.locked_until) }) }}</el-tag>
          <el-tag v-else type="success" size="small">{{ $t('users.active') }}</el-tag>
          <el-tag v-if="row.must_change_password" type="warning" size="small" class="badge-tag">{{ $t('users.mustChange') }}</el-tag></template></el-table-column>
        <el-table-column :label="$t('users.createdAt')" width="140"><template #default="{ row }">{{ when(row.created_at) }}</template></el-table-column>
        <el-table-column :label="$t('common.actions')" :width="isPhone ? 120 : 220" fixed="right"><template #default="{ row }">
          <div class="button-row">
            <el-button v-if="row.locked_until" link type="primary" @click="change(row, { unlock: true }, 'users.unlockConfirm', 'users.unlocked')" data-test="user-unlock">{{ $t('users.unlock') }}</el-button>
            <el-button v-if="row.role !== 'employee'" link type="primary" @click="resetPassword(row)" data-test="user-reset">{{ $t('users.reset') }}</el-button>
            <template v-if="!self(row)">
              <el-button v-if="row.disabled" link type="primary" @click="change(row, { disabled: false }, 'users.enableConfirm', 'users.enabled')" data-test="user-enable">{{ $t('users.enable') }}</el-button>
              <el-button v-else link type="danger" @click="change(row, { disabled: true }, 'users.disableConfirm', 'users.disabledDone')" data-test="user-disable">{{ $t('users.disable') }}</el-button>
            </template>
          </div></template></el-table-column>
      </el-table>
    </el-tab-pane>
    <el-tab-pane :label="$t('tokens.tab')" name="tokens">
      <div class="page-head"><p class="muted intro">{{ $t('tokens.intro') }}</p><span class="spacer"></span>
        <el-button type="primary" @click="newToken" data-test="token-create"><el-icon><IconPlus /></el-icon><span>{{ $t('tokens.create') }}</span></el-button></div>
      <el-table :data="tokens" data-test="tokens" :empty-text="$t('common.empty')">
        <el-table-column :label="$t('tokens.name')" prop="name" min-width="130" />
        <el-table-column :label="$t('tokens.prefix')" prop="prefix" width="110"><template #default="{ row }"><span class="digest">{{ row.prefix }}…</span></template></el-table-column>
        <el-table-column :label="$t('users.role')" width="110"><template #default="{ row }">{{ $t('user.role.' + row.role) }}<span v-if="row.employee" class="muted"> {{ row.employee }}</span></template></el-table-column>
        <el-table-column :label="$t('tokens.source')" width="110"><template #default="{ row }"><el-tag size="small" :type="row.source === 'config' ? 'warning' : 'info'" effect="plain">{{ $t('tokens.sources.' + (row.source === 'config' ? 'config' : 'issued')) }}</el-tag></template></el-table-column>
        <el-table-column :label="$t('users.state')" width="100"><template #default="{ row }"><el-tag size="small" :type="tokenState(row) === 'active' ? 'success' : 'info'" :data-state="tokenState(row)">{{ $t('tokens.states.' + tokenState(row)) }}</el-tag></template></el-table-column>
        <el-table-column :label="$t('tokens.expiresAt')" width="140"><template #default="{ row }">{{ when(row.expires_at) || $t('tokens.never') }}</template></el-table-column>
        <el-table-column :label="$t('users.createdAt')" width="140"><template #default="{ row }">{{ when(row.created_at) }}</template></el-table-column>
        <el-table-column :label="$t('common.actions')" width="120" fixed="right"><template #default="{ row }">
          <span v-if="row.source === 'config'" class="muted small-text">{{ $t('tokens.configHint') }}</span>
          <el-button v-else-if="!row.revoked_at" link type="danger" @click="revoke(row)" data-test="token-revoke">{{ $t('tokens.revoke') }}</el-button></template></el-table-column>
      </el-table>
    </el-tab-pane>
  </el-tabs>

  <el-dialog v-model="creatingUser" :title="$t('users.createTitle')" width="min(480px, 96vw)">
    <el-form ref="userRef" :model="userForm" :rules="userRules" label-width="auto" data-test="user-form">
      <el-form-item :label="$t('users.username')" prop="username"><el-input v-model="userForm.username" name="new_username" autocomplete="off" /></el-form-item>
      <el-form-item :label="$t('users.displayName')" prop="display_name"><el-input v-model="userForm.display_name" name="display_name" /></el-form-item>
      <el-form-item :label="$t('users.role')" prop="role">
        <el-radio-group v-model="userForm.role"><el-radio-button v-for="r in STAFF_ROLES" :key="r" :value="r">{{ $t('user.role.' + r) }}</el-radio-button></el-radio-group>
      </el-form-item>
      <el-form-item :label="$t('users.tempPassword')" prop="password"><el-input v-model="userForm.password" type="password" show-password name="new_password" autocomplete="new-password" /></el-form-item>
      <el-form-item :label="$t('users.confirmPassword')" prop="confirm"><el-input v-model="userForm.confirm" type="password" show-password name="confirm_password" autocomplete="new-password" /></el-form-item>
    </el-form>
    <p class="muted">{{ $t('users.tempHint') }}</p>
    <template #footer>
      <el-button @click="creatingUser = false">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" @click="saveUser" data-test="user-save">{{ $t('common.submit') }}</el-button>
    </template>
  </el-dialog>

  <el-dialog v-model="creatingToken" :title="$t('tokens.createTitle')" width="min(480px, 96vw)">
    <el-form ref="tokenRef" :model="tokenForm" :rules="tokenRules" label-width="auto" data-test="token-form">
      <el-form-item :label="$t('tokens.name')" prop="name"><el-input v-model="tokenForm.name" name="token_name" :placeholder="$t('tokens.nameHint')" /></el-form-item>
      <el-form-item :label="$t('users.role')" prop="role">
        <el-select v-model="tokenForm.role"><el-option v-for="r in TOKEN_ROLES" :key="r" :value="r" :label="$t('user.role.' + r)" /></el-select>
      </el-form-item>
      <el-form-item v-if="tokenForm.role === 'employee'" :label="$t('tokens.employee')" prop="employee"><el-input v-model="tokenForm.employee" name="token_employee" /></el-form-item>
      <el-form-item :label="$t('tokens.expiry')" prop="expires_in">
        <el-select v-model="tokenForm.expires_in" data-test="token-expiry"><el-option v-for="e in EXPIRIES" :key="e.key" :value="e.value" :label="$t('tokens.expiries.' + e.key)" /></el-select>
      </el-form-item>
    </el-form>
    <template #footer>
      <el-button @click="creatingToken = false">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" @click="saveToken" data-test="token-save">{{ $t('common.submit') }}</el-button>
    </template>
  </el-dialog>

  <el-dialog :model-value="secret !== null" :title="$t('tokens.secretTitle')" width="min(520px, 96vw)" :close-on-click-modal="false" @close="secret = null">
    <template v-if="secret">
      <p>{{ $t('tokens.secretFor', { name: secret.token.name }) }}</p>
      <div class="activation-code secret" data-test="token-secret">{{ secret.secret }}</div>
      <el-alert type="warning" :closable="false" show-icon class="block" :title="$t('tokens.secretOnce')" />
    </template>
    <template #footer>
      <el-button @click="copy(secret.secret)">{{ $t('tokens.copy') }}</el-button>
      <el-button type="primary" @click="secret = null">{{ $t('tokens.secretDone') }}</el-button>
    </template>
  </el-dialog>
</div>`,
};
