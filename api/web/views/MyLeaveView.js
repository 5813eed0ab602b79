// 我的假期: the employee's balance of each leave type of the year, and behind each the ledger rows it is the sum
// of (发放 accrual, 使用 use, 过期 expiry, 调整 adjustment, 结转 carry-over), oldest first. A balance is never a
// stored number: what the card shows is the ledger's sum as the API gives it.
import { computed, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { leaveBalances, leaveLedger } from "../api/selfService.js";
import { showError } from "../components/notify.js";
import { stepsText } from "../components/requestText.js";
import { dateTime } from "../format.js";

export default {
  setup() {
    const { t } = useI18n();
    const year = ref(String(new Date().getFullYear()));
    const balances = ref([]);
    const ledger = ref([]);
    const loading = ref(false);
    const opened = ref([]);

    async function load() {
      loading.value = true;
      try {
        [balances.value, ledger.value] = await Promise.all([leaveBalances(year.value), leaveLedger(year.value)]);
      } catch (error) {
        balances.value = [];
        ledger.value = [];
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    watch(year, (value) => value && load(), { immediate: true });

    const cards = computed(() =>
      balances.value.map((b) => ({ ...b, rows: ledger.value.filter((e) => e.leave_type === b.leave_type) })),
    );
    return {
      year, cards, loading, opened,
      amount: (steps, unit) => stepsText(steps, unit, t),
      signed: (steps, unit) => (steps > 0 ? "+" : "") + stepsText(steps, unit, t),
      at: (value) => dateTime(value),
    };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <h2 class="page-title">{{ $t('self.leave.title') }}</h2>
  <el-date-picker v-model="year" type="year" value-format="YYYY" format="YYYY" :clearable="false" :editable="false" class="block" :aria-label="$t('self.leave.year')" />
  <el-empty v-if="!loading && !cards.length" :description="$t('self.leave.none')" />
  <el-collapse v-model="opened" class="leave-cards" data-test="my-balances">
    <el-collapse-item v-for="c in cards" :key="c.leave_type" :name="c.leave_type" :data-type="c.leave_type">
      <template #title>
        <div class="leave-head"><span class="leave-name">{{ c.name }}</span>
          <strong class="leave-balance" :class="{ negative: c.steps < 0 }">{{ amount(c.steps, c.unit) }}</strong></div>
      </template>
      <p v-if="!c.rows.length" class="muted">{{ $t('self.leave.noRows') }}</p>
      <div v-for="e in c.rows" :key="e.id" class="ledger-row" :data-kind="e.kind">
        <div class="ledger-main"><el-tag size="small" effect="plain">{{ $t('self.ledger.' + e.kind) }}</el-tag>
          <span class="num" :class="{ negative: e.delta < 0 }">{{ signed(e.delta, c.unit) }}</span></div>
        <div class="muted small-text">{{ at(e.created_at) }}<template v-if="e.reason"> · {{ e.reason }}</template><template v-if="e.request_id"> · {{ $t('self.leave.request', { id: e.request_id }) }}</template></div>
      </div>
    </el-collapse-item>
  </el-collapse>
</div>`,
};
