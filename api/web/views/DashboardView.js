// Today per office, terminal health with its red and amber flags, and the month trends drawn with ECharts.
import { computed, onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { getDashboard } from "../api/dashboard.js";
import { headcountOption, overtimeOption, payOption, rateOption } from "../components/dashboardCharts.js";
import EChart from "../components/EChart.js";
import { showError } from "../components/notify.js";
import { offsetText } from "../explain.js";
import { dateTime } from "../format.js";
import { isPhone } from "../viewport.js";
import { DEFAULT_ZONE, rememberZones, zoneOf } from "../zones.js";

const STATE_TYPES = { ok: "success", warning: "warning", failing: "danger", "never polled": "info" };

export default {
  components: { EChart },
  setup() {
    const { t } = useI18n();
    const data = ref(null);
    const loading = ref(false);

    async function load() {
      loading.value = true;
      try {
        data.value = await getDashboard();
        rememberZones(data.value.offices);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    onMounted(load);

    const charts = computed(() => {
      if (!data.value) return [];
      const trends = data.value.trends;
      return [
        { name: "late-rate", title: t("dashboard.lateRate"), option: rateOption(trends, "late_rate_bp", t) },
        { name: "absence-rate", title: t("dashboard.absenceRate"), option: rateOption(trends, "absence_rate_bp", t) },
        { name: "overtime", title: t("dashboard.overtime"), option: overtimeOption(trends, t) },
        { name: "headcount", title: t("dashboard.headcountTrend"), option: headcountOption(trends, t) },
        { name: "pay", title: t("dashboard.payTotals"), option: payOption(trends, t), wide: true },
      ];
    });

    const stateKey = (state) => state.replace(" ", "_");
    const offset = (seconds) => offsetText(seconds, t);
    const when = (value, office) => dateTime(value, zoneOf(office));
    const generated = computed(() => (data.value ? dateTime(data.value.generated_at, DEFAULT_ZONE) : ""));

    return { data, loading, charts, load, STATE_TYPES, stateKey, offset, when, generated, isPhone };
  },
  template: `
<div class="page" v-loading="loading">
  <div class="page-head">
    <h2 class="page-title">{{ $t('dashboard.title') }}</h2>
    <span v-if="data" class="muted">{{ $t('dashboard.generatedAt', { at: generated }) }}</span>
    <span class="spacer"></span>
    <el-button @click="load"><el-icon><IconRefresh /></el-icon><span>{{ $t('common.refresh') }}</span></el-button>
  </div>
  <template v-if="data">
    <el-row :gutter="16" class="block">
      <el-col v-for="office in data.offices" :key="office.office" :xs="24" :sm="12" :lg="8">
        <el-card shadow="never" class="today-card" :data-office="office.office">
          <template #header><div class="card-head"><strong>{{ office.office }}</strong><span class="muted">{{ office.date }}</span></div></template>
          <div class="today-grid">
            <div class="today-cell"><div class="today-value">{{ office.headcount }}</div><div class="muted">{{ $t('dashboard.headcount') }}</div></div>
            <div class="today-cell ok"><div class="today-value">{{ office.present }}</div><div class="muted">{{ $t('dashboard.present') }}</div></div>
            <div class="today-cell warn"><div class="today-value">{{ office.late }}</div><div class="muted">{{ $t('dashboard.late') }}</div></div>
            <div class="today-cell bad"><div class="today-value">{{ office.absent }}</div><div class="muted">{{ $t('dashboard.absent') }}</div></div>
            <div class="today-cell warn"><div class="today-value">{{ office.missing_punch }}</div><div class="muted">{{ $t('dashboard.missingPunch') }}</div></div>
            <div v-if="office.on_leave !== null" class="today-cell"><div class="today-value">{{ office.on_leave }}</div><div class="muted">{{ $t('dashboard.onLeave') }}</div></div>
          </div>
        </el-card>
      </el-col>
    </el-row>
    <el-empty v-if="!data.offices.length" :description="$t('dashboard.noOffices')" />

    <el-card shadow="never" class="block">
      <template #header><strong>{{ $t('dashboard.terminals') }}</strong></template>
      <div v-if="isPhone" class="terminal-cards" data-test="terminals">
        <div v-for="row in data.terminals" :key="row.sn" class="terminal-card">
          <div class="line-head"><strong>{{ row.name }}</strong><el-tag :type="STATE_TYPES[row.state]" effect="dark" :data-state="row.state">{{ $t('terminal.state.' + stateKey(row.state)) }}</el-tag></div>
          <div class="muted">{{ row.office }} · {{ row.kind }} · {{ $t('dashboard.lastSuccess') }} {{ when(row.last_success_at, row.office) || $t('common.none') }}</div>
          <div v-for="problem in row.problems" :key="problem.code" class="problem" :data-problem="problem.code">
            <el-tag size="small" :type="row.state === 'failing' ? 'danger' : 'warning'">{{ $t('terminal.problem.' + problem.code) }}</el-tag>
            <span v-if="problem.clock_offset_s !== null" class="problem-offset">{{ $t('terminal.offset', { offset: offset(problem.clock_offset_s) }) }}</span>
          </div>
        </div>
      </div>
      <el-table v-else :data="data.terminals" size="small" data-test="terminals" :empty-text="$t('common.empty')">
        <el-table-column :label="$t('dashboard.terminal')" prop="name" min-width="120" />
        <el-table-column :label="$t('dashboard.office')" prop="office" min-width="110" />
        <el-table-column :label="$t('dashboard.kind')" prop="kind" width="96" />
        <el-table-column :label="$t('dashboard.state')" width="110">
          <template #default="{ row }"><el-tag :type="STATE_TYPES[row.state]" effect="dark" :data-state="row.state">{{ $t('terminal.state.' + stateKey(row.state)) }}</el-tag></template>
        </el-table-column>
        <el-table-column :label="$t('dashboard.problems')" min-width="220">
          <template #default="{ row }">
            <span v-if="!row.problems.length" class="muted">{{ $t('dashboard.noProblems') }}</span>
            <div v-for="problem in row.problems" :key="problem.code" class="problem" :data-problem="problem.code">
              <el-tag size="small" :type="row.state === 'failing' ? 'danger' : 'warning'">{{ $t('terminal.problem.' + problem.code) }}</el-tag>
              <span v-if="problem.clock_offset_s !== null" class="problem-offset">{{ $t('terminal.offset', { offset: offset(problem.clock_offset_s) }) }}</span>
            </div>
          </template>
        </el-table-column>
        <el-table-column :label="$t('dashboard.lastSuccess')" width="150">
          <template #default="{ row }">{{ when(row.last_success_at, row.office) || $t('common.none') }}</template>
        </el-table-column>
      </el-table>
    </el-card>

    <h3 class="section-title">{{ $t('dashboard.trends') }}</h3>
    <el-empty v-if="!data.trends.months.length" :description="$t('dashboard.noTrends')" data-test="no-trends" />
    <el-row v-else :gutter="16">
      <el-col v-for="chart in charts" :key="chart.name" :xs="24" :lg="chart.wide ? 24 : 12">
        <el-card shadow="never" class="block chart-card">
          <template #header><strong>{{ chart.title }}</strong></template>
          <EChart :name="chart.name" :option="chart.option" />
        </el-card>
      </el-col>
    </el-row>
  </template>
</div>`,
};
