// 我的申请: the employee's requests, newest first, as cards with their status (待审批 / 已通过 / 已驳回 / 已撤回);
// a tap opens one with its history (who decided, with the comment); a pending one can be withdrawn. 「新建申请」
// opens the form for leave, overtime, 补卡 or a trip.
import { ElMessage, ElMessageBox } from "element-plus";
import { computed, onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { getRequest, leaveTypes, myRequests, withdrawRequest } from "../api/selfService.js";
import { showError } from "../components/notify.js";
import RequestForm from "../components/RequestForm.js";
import { amountText, whenText } from "../components/requestText.js";
import { dateTime } from "../format.js";
import { isPhone } from "../viewport.js";

export const STATUS_TAGS = { pending: "warning", approved: "success", rejected: "danger", withdrawn: "info" };
const FILTERS = ["all", "pending", "approved", "rejected", "withdrawn"];

export default {
  components: { RequestForm },
  setup() {
    const { t, locale } = useI18n();
    const items = ref([]);
    const types = ref([]);
    const loading = ref(false);
    const filter = ref("all");
    const creating = ref(false);
    const opened = ref(null);

    async function load() {
      loading.value = true;
      try {
        items.value = await myRequests();
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    onMounted(async () => {
      await load();
      try {
        types.value = await leaveTypes();
      } catch (error) {
        showError(error);
      }
    });

    const typeName = (code) => {
      const found = types.value.find((x) => x.code === code);
      return found ? (locale.value === "en" ? found.name_en : found.name) : code;
    };
    const title = (r) =>
      r.kind === "leave" ? typeName(r.leave_type) : r.kind === "resignation" ? t("settlement.kind") : t(`self.kinds.${r.kind}`);
    const shown = computed(() => (filter.value === "all" ? items.value : items.value.filter((r) => r.status === filter.value)));

    async function open(r) {
      try {
        opened.value = await getRequest(r.id);
      } catch (error) {
        showError(error);
      }
    }
    async function withdraw(r) {
      try {
        await ElMessageBox.confirm(t("self.requests.withdrawConfirm"), t("self.requests.withdraw"), { type: "warning", confirmButtonText: t("self.requests.withdraw"), cancelButtonText: t("common.cancel") });
      } catch {
        return; // cancelled
      }
      try {
        opened.value = await withdrawRequest(r.id);
        ElMessage.success(t("self.requests.withdrawn"));
        await load();
      } catch (error) {
        showError(error);
      }
    }
    async function submitted() {
      creating.value = false;
      ElMessage.success(t("self.requests.sent"));
      filter.value = "all";
      await load();
    }

    return {
      items, shown, types, loading, filter, creating, opened, isPhone, FILTERS, STATUS_TAGS,
      title, open, withdraw, submitted,
      when: (r) => whenText(r, t),
      amount: (r) => amountText(r, t),
      at: (value) => dateTime(value),
    };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <div class="page-head"><h2 class="page-title">{{ $t('self.requests.title') }}</h2>
    <el-button type="primary" @click="creating = true" data-test="new-request">{{ $t('self.requests.new') }}</el-button></div>
  <el-radio-group v-model="filter" size="small" class="block status-filter" data-test="request-filter">
    <el-radio-button v-for="f in FILTERS" :key="f" :value="f">{{ $t('self.requests.filter.' + f) }}</el-radio-button>
  </el-radio-group>
  <el-empty v-if="!loading && !shown.length" :description="$t('self.requests.none')" />
  <div class="request-cards" data-test="my-requests">
    <el-card v-for="r in shown" :key="r.id" shadow="hover" class="request-card" :data-request="r.id" :data-status="r.status" @click="open(r)">
      <div class="slip-card-head"><strong>{{ title(r) }}</strong>
        <el-tag :type="STATUS_TAGS[r.status]" effect="light" class="request-status">{{ $t('self.status.' + r.status) }}</el-tag></div>
      <div class="request-when">{{ when(r) }}</div>
      <div class="muted small-text">{{ amount(r) }}<template v-if="amount(r)"> · </template>{{ r.reason }}</div>
    </el-card>
  </div>

  <el-drawer :model-value="opened !== null" :direction="isPhone ? 'btt' : 'rtl'" :size="isPhone ? '80%' : '440px'" :title="opened ? title(opened) : ''" @close="opened = null" data-test="request-detail">
    <template v-if="opened">
      <el-descriptions :column="1" border class="block">
        <el-descriptions-item :label="$t('self.requests.status')"><el-tag :type="STATUS_TAGS[opened.status]" data-test="detail-status">{{ $t('self.status.' + opened.status) }}</el-tag></el-descriptions-item>
        <el-descriptions-item :label="$t('self.requests.when')">{{ when(opened) }}</el-descriptions-item>
        <el-descriptions-item v-if="amount(opened)" :label="$t('self.requests.amount')">{{ amount(opened) }}</el-descriptions-item>
        <el-descriptions-item v-if="opened.comp" :label="$t('self.form.comp')">{{ $t('self.comp.' + opened.comp) }}</el-descriptions-item>
        <el-descriptions-item v-if="opened.direction" :label="$t('self.form.direction')">{{ $t('self.direction.' + opened.direction) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('self.form.reason')">{{ opened.reason }}</el-descriptions-item>
        <el-descriptions-item v-if="opened.attachment" :label="$t('self.form.attachment')">{{ opened.attachment }}</el-descriptions-item>
        <el-descriptions-item :label="$t('self.requests.steps')">{{ $t('self.requests.stepsOf.' + opened.steps) }}</el-descriptions-item>
      </el-descriptions>
      <h4 class="section-title">{{ $t('self.requests.history') }}</h4>
      <el-timeline data-test="request-history">
        <el-timeline-item v-for="(e, i) in opened.history" :key="i" :timestamp="at(e.at)">
          {{ $t('self.events.' + e.action) }} · {{ e.actor }}<div v-if="e.comment" class="muted">{{ e.comment }}</div>
        </el-timeline-item>
      </el-timeline>
      <el-button v-if="opened.status === 'pending'" type="danger" plain class="auth-submit" @click="withdraw(opened)" data-test="withdraw">{{ $t('self.requests.withdraw') }}</el-button>
    </template>
  </el-drawer>
  <RequestForm :open="creating" :types="types" @close="creating = false" @submitted="submitted" />
</div>`,
};
