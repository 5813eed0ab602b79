// One 入职申请 in a drawer: what was asked (person, job, pay, badge), its state and history, and for HR or an
// admin who did not submit it the decision (approve or reject, with a comment). The submitter gets no decide
// buttons (four eyes: the API refuses them too, and its refusal is shown as it words it). After an approval the
// drawer shows the new employee's code, badge number, the activation code and the welcome text with copy buttons —
// once: they live in this component only, closing the drawer forgets them (the server keeps only a hash).
import { ElMessage } from "element-plus";
import { computed, nextTick, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { decideOnboarding, getOnboarding, withdrawOnboarding } from "../api/onboarding.js";
import { auth } from "../auth.js";
import { localDateTime, yuan } from "../format.js";
import { copyText } from "./onboardingFields.js";
import { showError } from "./notify.js";
import { STATUS_TYPES, actorText } from "./requestText.js";

const ACTION_TYPES = { submitted: "primary", approved: "success", rejected: "danger", withdrawn: "info" };
const DECIDERS = ["admin", "hr"];

// The agreed or probation pay in its basis' unit: "6,000.00 元/月", "34.48 元/小时".
function payText(fen, basis, t) {
  if (fen === null || fen === undefined) return t("common.none");
  return t(basis === "hourly" ? "onboarding.perHour" : "onboarding.perMonth", { amount: yuan(fen) });
}

export default {
  props: { onboardingId: { type: Number, default: null } },
  emits: ["close", "changed"],
  setup(props, { emit }) {
    const { t, te } = useI18n();
    const row = ref(null);
    const loading = ref(false);
    const comment = ref("");
    const busy = ref(false);
    const result = ref(null); // the approval's answer: shown once
    const resultRef = ref(null);
    const deciding = computed(() => row.value && row.value.status === "pending" && DECIDERS.includes(auth.me.role) && !row.value.yours);
    const withdrawing = computed(() => row.value && row.value.status === "pending" && (row.value.yours || DECIDERS.includes(auth.me.role)));
    const link = computed(() => result.value && `${window.location.origin}/#${result.value.activation.link}`);
    const forward = computed(() => result.value && `${result.value.welcome.title}\n${result.value.welcome.body}\n${t("onboarding.linkLabel")}${link.value}`);

    async function load(id) {
      row.value = null;
      result.value = null;
      comment.value = "";
      if (id === null) return;
      loading.value = true;
      try {
        row.value = await getOnboarding(id);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function decide(approve) {
      busy.value = true;
      try {
        const answer = await decideOnboarding(row.value.id, approve, comment.value.trim());
        row.value = answer.onboarding;
        if (approve) {
          result.value = answer;
          await nextTick();
          resultRef.value.scrollIntoView({ block: "start" }); // the code is what HR came for: bring it into view
        }
        ElMessage.success(t(approve ? "onboarding.approvedToast" : "onboarding.rejectedToast", { name: row.value.name }));
        emit("changed");
      } catch (error) {
        showError(error);
      } finally {
        busy.value = false;
      }
    }

    async function withdraw() {
      busy.value = true;
      try {
        row.value = await withdrawOnboarding(row.value.id, comment.value.trim());
        ElMessage.success(t("onboarding.withdrawnToast", { name: row.value.name }));
        emit("changed");
      } catch (error) {
        showError(error);
      } finally {
        busy.value = false;
      }
    }

    async function copy(text) {
      try {
        await copyText(text);
        ElMessage.success(t("onboarding.copied"));
      } catch {
        ElMessage.error(t("onboarding.copyFailed"));
      }
    }

    watch(() => props.onboardingId, load, { immediate: true });
    return {
      row, loading, comment, busy, result, resultRef, deciding, withdrawing, link, forward, decide, withdraw, copy,
      STATUS_TYPES, ACTION_TYPES, localDateTime,
      pay: (fen) => payText(fen, row.value.pay_basis, t),
      actor: (a) => actorText(a, t, te),
    };
  },
  template: `
<el-drawer :model-value="onboardingId !== null" :title="$t('onboarding.detailTitle', { id: onboardingId || '' })" size="min(520px, 100vw)" @close="$emit('close')" data-test="onboarding-drawer">
  <div v-loading="loading">
    <template v-if="row">
      <div v-if="result" ref="resultRef" class="block onboarding-result" data-test="onboarding-result">
        <el-alert type="success" :closable="false" show-icon :title="$t('onboarding.resultTitle', { name: row.name })" :description="$t('onboarding.resultOnce')" />
        <el-descriptions :column="1" border class="block">
          <el-descriptions-item :label="$t('onboarding.employeeCode')"><span data-test="result-employee">{{ result.employee }}</span></el-descriptions-item>
          <el-descriptions-item :label="$t('onboarding.pin')"><span data-test="result-pin">{{ result.pin }}</span></el-descriptions-item>
          <el-descriptions-item :label="$t('onboarding.activationCode')">
            <span class="digest" data-test="result-code">{{ result.activation.code }}</span>
            <el-button link type="primary" @click="copy(result.activation.code)" data-test="copy-code">{{ $t('onboarding.copy') }}</el-button>
          </el-descriptions-item>
          <el-descriptions-item :label="$t('onboarding.expires')">{{ localDateTime(result.activation.expires_at) }}</el-descriptions-item>
        </el-descriptions>
        <h4 class="section-title">{{ $t('onboarding.welcomeTitle') }}</h4>
        <el-input :model-value="forward" type="textarea" :autosize="{ minRows: 4 }" readonly data-test="result-welcome" />
        <div class="button-row"><el-button type="primary" @click="copy(forward)" data-test="copy-welcome">{{ $t('onboarding.copyWelcome') }}</el-button></div>
        <p class="muted">{{ row.email ? $t('onboarding.mailed', { email: row.email }) : $t('onboarding.notMailed') }}</p>
      </div>
      <el-descriptions :column="1" border class="block">
        <el-descriptions-item :label="$t('onboarding.statusLabel')"><el-tag size="small" :type="STATUS_TYPES[row.status]" data-test="onboarding-status">{{ $t('onboarding.status.' + row.status) }}</el-tag></el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.name')">{{ row.name }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.office')">{{ row.office }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.department')">{{ row.department_name || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.position')">{{ row.position }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.hiredOn')">{{ row.hired_on }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.payBasis')">{{ $t('employees.basis.' + row.pay_basis) }}</el-descriptions-item>
        <el-descriptions-item v-if="row.pay_basis !== 'piece'" :label="$t('onboarding.agreedPay')">{{ pay(row.pay_basis === 'hourly' ? row.hourly_rate_fen : row.monthly_salary_fen) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.probationMonths')">{{ row.probation_months ? $t('onboarding.months', { n: row.probation_months }) : $t('onboarding.noProbation') }}</el-descriptions-item>
        <el-descriptions-item v-if="row.probation_months" :label="$t('onboarding.probationSalary')">{{ pay(row.probation_salary_fen) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.idType')">{{ $t('employees.idTypes.' + row.id_type) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.idNumber')">{{ row.id_number }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.mobile')">{{ row.mobile || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.email')">{{ row.email || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.employeeCode')">{{ row.employee_code || $t('onboarding.auto') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.pin')">{{ row.pin || $t('onboarding.auto') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('onboarding.createdBy')">{{ actor(row.created_by) }}</el-descriptions-item>
      </el-descriptions>
      <h4 class="section-title">{{ $t('onboarding.history') }}</h4>
      <el-timeline data-test="onboarding-history">
        <el-timeline-item v-for="(e, i) in row.history" :key="i" :timestamp="localDateTime(e.at)" :type="ACTION_TYPES[e.action]">
          <strong>{{ $t('onboarding.actions.' + e.action) }}</strong> · {{ actor(e.actor) }}
          <div v-if="e.comment" class="muted">{{ e.comment }}</div>
        </el-timeline-item>
      </el-timeline>
      <p v-if="row.status === 'pending' && row.yours" class="muted" data-test="onboarding-four-eyes">{{ $t('onboarding.fourEyes') }}</p>
      <template v-if="deciding || withdrawing">
        <el-input v-model="comment" type="textarea" :rows="2" maxlength="1000" name="comment" :placeholder="$t('onboarding.commentHint')" class="block" />
        <div class="button-row">
          <el-button v-if="withdrawing" :loading="busy" @click="withdraw" data-test="onboarding-withdraw">{{ $t('onboarding.withdraw') }}</el-button>
          <el-button v-if="deciding" type="danger" :loading="busy" @click="decide(false)" data-test="onboarding-reject">{{ $t('onboarding.reject') }}</el-button>
          <el-button v-if="deciding" type="primary" :loading="busy" @click="decide(true)" data-test="onboarding-approve">{{ $t('onboarding.approve') }}</el-button>
        </div>
      </template>
    </template>
  </div>
</el-drawer>`,
};
