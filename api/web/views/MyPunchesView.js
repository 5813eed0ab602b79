// An employee's punches of one month, day by day on the terminal's own clock, with the month's attendance totals.
import { computed, onMounted, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { getAttendance } from "../api/attendance.js";
import { allPunches } from "../api/punches.js";
import { auth } from "../auth.js";
import { showError } from "../components/notify.js";
import { attendanceText } from "../explain.js";
import { localDateTime } from "../format.js";

const SUMMARY = ["worked_days", "absent_days", "late_minutes", "early_minutes", "missing_punches", "ot_workday_minutes", "ot_restday_minutes", "ot_holiday_minutes"];

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

// A month's totals count every workday of the month, the days still to come as absent: shown once it is over.
const monthIsOver = (month) => month < thisMonth();

// The UTC range that surely holds every local time of the month, whatever the office's zone (±14 h).
function wideRange(month) {
  const [year, m] = month.split("-").map(Number);
  const start = new Date(Date.UTC(year, m - 1, 1) - 86400000);
  const end = new Date(Date.UTC(year, m, 1) + 86400000);
  return { start: start.toISOString(), end: end.toISOString() };
}

export default {
  setup() {
    const { t } = useI18n();
    const month = ref(thisMonth());
    const punches = ref([]);
    const attendance = ref(null);
    const loading = ref(false);

    async function load() {
      loading.value = true;
      try {
        const over = monthIsOver(month.value);
        const [items, totals] = await Promise.all([
          allPunches({ employee: auth.me.employee, ...wideRange(month.value) }),
          over ? getAttendance(month.value) : null,
        ]);
        punches.value = items.filter((p) => p.ts_local.startsWith(month.value));
        attendance.value = totals ? totals.employees[0] || null : null;
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    const days = computed(() => {
      const byDay = new Map();
      for (const punch of punches.value) {
        const [day, time] = localDateTime(punch.ts_local).split(" ");
        if (!byDay.has(day)) byDay.set(day, []);
        byDay.get(day).push({ id: punch.id, time, flagged: punch.flags.length > 0 || punch.is_double_tap });
      }
      return [...byDay.entries()]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([day, times]) => ({
          day,
          weekday: t(`my.weekday.${new Date(`${day}T12:00:00Z`).getUTCDay()}`),
          times: times.sort((a, b) => (a.time < b.time ? -1 : 1)),
        }));
    });
    const summary = computed(() =>
      attendance.value ? SUMMARY.map((key) => ({ key, label: t(`attendance.${key}`), value: attendanceText(key, attendance.value[key], t) })) : [],
    );

    onMounted(load);
    watch(month, (value) => value && load());
    const summaryLater = computed(() => !monthIsOver(month.value));
    return { month, days, summary, summaryLater, loading };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <h2 class="page-title">{{ $t('my.punchesTitle') }}</h2>
  <el-date-picker v-model="month" type="month" value-format="YYYY-MM" format="YYYY-MM" :clearable="false" class="block" :aria-label="$t('my.month')" />
  <el-card v-if="summary.length" shadow="never" class="block">
    <template #header><strong>{{ $t('my.summary') }}</strong></template>
    <div class="attendance-grid" data-test="my-attendance">
      <div v-for="item in summary" :key="item.key" class="attendance-item"><span class="muted">{{ item.label }}</span><strong>{{ item.value }}</strong></div>
    </div>
  </el-card>
  <p v-if="summaryLater" class="muted block">{{ $t('my.summaryLater') }}</p>
  <el-empty v-if="!loading && !days.length" :description="$t('my.noPunches')" />
  <div class="day-list" data-test="my-punches">
    <div v-for="day in days" :key="day.day" class="day-row" :data-day="day.day">
      <div class="day-date"><strong>{{ day.day }}</strong><span class="muted">{{ day.weekday }}</span></div>
      <div class="day-times">
        <el-tag v-for="p in day.times" :key="p.id" :type="p.flagged ? 'warning' : 'primary'" effect="plain" size="large">{{ p.time }}</el-tag>
      </div>
    </div>
  </div>
</div>`,
};
