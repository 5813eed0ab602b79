// 我的社保公积金: the employee's social insurance and housing fund month by month, from locked payslips only:
// per item (养老, 医疗, 失业, 工伤, 生育, 公积金) the base, the employee's and the employer's share, in yuan.
import { ref, watch } from "vue";
import { myContributions } from "../api/selfService.js";
import { showError } from "../components/notify.js";
import { yuan } from "../format.js";

export default {
  setup() {
    const year = ref(String(new Date().getFullYear()));
    const months = ref([]);
    const loading = ref(false);
    async function load() {
      loading.value = true;
      try {
        months.value = await myContributions(year.value);
      } catch (error) {
        months.value = [];
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    watch(year, (value) => value && load(), { immediate: true });
    return { year, months, loading, yuan, money: (fen) => (fen === null ? "—" : yuan(fen)) };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <h2 class="page-title">{{ $t('self.insurance.title') }}</h2>
  <p class="muted">{{ $t('self.insurance.intro') }}</p>
  <el-date-picker v-model="year" type="year" value-format="YYYY" format="YYYY" :clearable="false" :editable="false" class="block" :aria-label="$t('self.leave.year')" />
  <el-empty v-if="!loading && !months.length" :description="$t('self.insurance.none')" />
  <el-card v-for="m in months" :key="m.payslip" shadow="never" class="block" :data-period="m.period" data-test="insurance-month">
    <template #header><div class="slip-card-head"><strong>{{ m.period }}</strong>
      <span class="muted small-text">{{ $t('self.insurance.totals', { employee: yuan(m.employee_fen), employer: yuan(m.employer_fen) }) }}</span></div></template>
    <div class="si-table">
      <div class="si-row si-headrow muted"><span>{{ $t('self.insurance.item') }}</span><span>{{ $t('self.insurance.base') }}</span><span>{{ $t('self.insurance.employee') }}</span><span>{{ $t('self.insurance.employer') }}</span></div>
      <div v-for="i in m.items" :key="i.item" class="si-row" :data-item="i.item">
        <span>{{ $t('self.insurance.items.' + i.item) }}</span><span class="num">{{ money(i.base_fen) }}</span>
        <span class="num">{{ yuan(i.employee_fen) }}</span><span class="num">{{ yuan(i.employer_fen) }}</span>
      </div>
    </div>
  </el-card>
</div>`,
};
