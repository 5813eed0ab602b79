// Under an employee's own payslip: the first open is recorded, then "confirm" or "ask a question" (a question needs its
// text). What was answered stays shown, with when; a refusal (already answered) is shown as the API words it.
import { ElMessage } from "element-plus";
import { onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { confirmPayslip, markViewed, questionPayslip } from "../api/selfService.js";
import { showError } from "./notify.js";
import { dateTime } from "../format.js";

export default {
  props: { payslip: { type: Number, required: true } },
  setup(props) {
    const { t } = useI18n();
    const receipt = ref(null);
    const asking = ref(false);
    const text = ref("");
    const problem = ref("");
    const saving = ref(false);

    onMounted(async () => {
      try {
        receipt.value = await markViewed(props.payslip);
      } catch (error) {
        showError(error);
      }
    });
    async function act(call, done) {
      saving.value = true;
      problem.value = "";
      try {
        receipt.value = await call();
        asking.value = false;
        ElMessage.success(t(done));
      } catch (error) {
        problem.value = error.detail || t(`errors.${error.kind || "server"}`);
      } finally {
        saving.value = false;
      }
    }
    function ask() {
      if (!text.value.trim()) return (problem.value = t("self.receipt.needText"));
      return act(() => questionPayslip(props.payslip, text.value.trim()), "self.receipt.asked");
    }
    return {
      receipt, asking, text, problem, saving, ask,
      confirm: () => act(() => confirmPayslip(props.payslip), "self.receipt.confirmedDone"),
      at: (value) => dateTime(value),
    };
  },
  template: `
<el-card v-if="receipt" shadow="never" class="block receipt" data-test="payslip-receipt" :data-state="receipt.state">
  <p v-if="receipt.state === 'confirmed'" class="receipt-done" data-test="receipt-state">{{ $t('self.receipt.confirmedAt', { at: at(receipt.confirmed_at) }) }}</p>
  <p v-if="receipt.questioned_at" class="receipt-done" data-test="receipt-question">{{ $t('self.receipt.questionedAt', { at: at(receipt.questioned_at), text: receipt.question }) }}</p>
  <template v-if="receipt.state !== 'confirmed'">
    <p class="muted">{{ receipt.state === 'questioned' ? $t('self.receipt.afterQuestion') : $t('self.receipt.intro') }}</p>
    <div class="receipt-buttons">
      <el-button type="primary" :loading="saving" @click="confirm" data-test="receipt-confirm">{{ $t('self.receipt.confirm') }}</el-button>
      <el-button v-if="receipt.state !== 'questioned'" @click="asking = !asking" data-test="receipt-ask">{{ $t('self.receipt.question') }}</el-button>
    </div>
    <div v-if="asking" class="receipt-ask">
      <el-input v-model="text" type="textarea" :rows="3" maxlength="1000" name="question" :placeholder="$t('self.receipt.placeholder')" data-test="receipt-text" />
      <el-button type="warning" :loading="saving" @click="ask" data-test="receipt-send">{{ $t('self.receipt.send') }}</el-button>
    </div>
  </template>
  <el-alert v-if="problem" type="error" :title="problem" :closable="false" show-icon data-test="receipt-problem" />
</el-card>`,
};
