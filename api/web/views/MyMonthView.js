// 我的考勤: the employee's month as a calendar (Monday first), each exception day marked (迟到, 早退, 缺卡, 旷工)
// and the days of an approved or pending leave or trip marked 请假 / 出差 from the employee's own requests. A tap
// opens the day (punches, planned hours, figures); on an exception day 「申请补卡」 opens the 补卡 form filled in:
// the day, the punch that is missing (in or out) and the planned time. The office's limit and deadline are the
// API's to judge: its refusal is shown in the form as it words it.
import { ElMessage } from "element-plus";
import { computed, onMounted, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRouter } from "vue-router";
import { leaveTypes, myMonth, myRequests } from "../api/selfService.js";
import { auth } from "../auth.js";
import { showError } from "../components/notify.js";
import MonthGrid, { dayNumber, weekdayOf } from "../components/MonthGrid.js";
import RequestForm from "../components/RequestForm.js";
import { durationText } from "../explain.js";
import { isPhone } from "../viewport.js";

const EXCEPTIONS = new Set(["missing_punch", "absent", "half_day_absent", "late", "early_leave"]);
const BAD = new Set(["absent", "missing_punch"]);
const OPEN_REQUESTS = new Set(["pending", "approved"]);

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

// The day of a request's wall-clock time ("2026-03-09T12:00:00+08:00" → "2026-03-09"), and whether the day
// `date` lies in [starts_at, ends_at).
const dayOf = (at) => at.slice(0, 10);
const covers = (r, date) => dayOf(r.starts_at) <= date && (date < dayOf(r.ends_at) || (date === dayOf(r.ends_at) && r.ends_at.slice(11, 16) !== "00:00"));

// The 补卡 a day asks for: no counted punch or a late start → the in punch at the planned start; a single punch
// in the second half of the shift or an early leave → the out punch at the planned end.
export function correctionFor(day) {
  const counted = day.punches.filter((p) => p.counted);
  let direction = "in";
  if (day.status === "early_leave") direction = "out";
  else if (day.status !== "late" && counted.length === 1 && day.planned_start && day.planned_end) {
    const [sh, sm] = day.planned_start.split(":").map(Number);
    const [eh, em] = day.planned_end.split(":").map(Number);
    const [ph, pm] = counted[0].time.split(":").map(Number);
    const middle = (sh * 60 + sm + (eh * 60 + em + (day.overnight ? 1440 : 0))) / 2;
    direction = ph * 60 + pm < middle ? "out" : "in";
  }
  const time = (direction === "in" ? day.planned_start : day.planned_end) || "";
  return { kind: "correction", day: day.date, direction, time };
}

export default {
  components: { MonthGrid, RequestForm },
  setup() {
    const { t } = useI18n();
    const router = useRouter();
    const month = ref(thisMonth());
    const calendar = ref(null);
    const requests = ref([]);
    const types = ref([]);
    const loading = ref(false);
    const day = ref(null);
    const preset = ref(null);

    let asked = 0; // only the answer for the month asked last is shown (an earlier one may arrive later)
    async function load() {
      const ask = ++asked;
      loading.value = true;
      try {
        const [cal, mine] = await Promise.all([myMonth(auth.me.employee, month.value), myRequests()]);
        if (ask !== asked) return;
        calendar.value = cal;
        requests.value = mine.filter((r) => OPEN_REQUESTS.has(r.status) && (r.kind === "leave" || r.kind === "trip"));
        if (day.value) day.value = cal.days.find((d) => d.date === day.value.date) || null;
      } catch (error) {
        calendar.value = null;
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    onMounted(async () => {
      try {
        types.value = await leaveTypes();
      } catch (error) {
        showError(error);
      }
    });

    // What a day shows: a leave or trip request covering it wins over the attendance status it replaces.
    function mark(cell) {
      const request = requests.value.find((r) => covers(r, cell.date));
      if (request) return { key: request.kind === "trip" ? "trip" : "leave", pending: request.status === "pending", tone: "info" };
      if (!EXCEPTIONS.has(cell.status)) return null;
      return { key: cell.status, pending: false, tone: BAD.has(cell.status) ? "bad" : "warn" };
    }
    const marked = computed(() => (calendar.value ? calendar.value.days.map((d) => ({ ...d, mark: mark(d) })) : []));
    const exceptions = computed(() => marked.value.filter((c) => c.mark && c.mark.tone !== "info").length);
    const opened = computed(() => (day.value ? { ...day.value, mark: mark(day.value) } : null));

    function askCorrection() {
      preset.value = correctionFor(day.value);
    }
    function submitted() {
      preset.value = null;
      day.value = null;
      ElMessage.success(t("self.month.correctionSent"));
      router.push({ name: "my-requests" });
    }

    watch(month, (value) => value && load(), { immediate: true });
    return {
      month, calendar, loading, marked, exceptions, day, opened, preset, types, isPhone, askCorrection, submitted,
      exceptional: (cell) => EXCEPTIONS.has(cell.status),
      state: (cell) => [cell.mark ? "mark-" + cell.mark.tone : "", { open: day.value !== null && day.value.date === cell.date }],
      dayNumber,
      weekday: (cell) => t(`my.weekday.${weekdayOf(cell.date)}`),
      hours: (minutes) => durationText(minutes, t),
      tagType: (m) => (m.tone === "bad" ? "danger" : m.tone === "warn" ? "warning" : "primary"),
    };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <h2 class="page-title">{{ $t('self.month.title') }}</h2>
  <el-date-picker v-model="month" type="month" value-format="YYYY-MM" format="YYYY-MM" :clearable="false" class="block" :aria-label="$t('my.month')" data-test="my-month-picker" />
  <template v-if="calendar">
    <p class="muted" data-test="my-month-count">{{ exceptions ? $t('self.month.exceptions', { n: exceptions }) : $t('self.month.noExceptions') }}</p>
    <MonthGrid class="my-calendar block" data-test="my-calendar" :days="marked" cell-class="my-cell" :state="state" button @pick="(cell) => (day = cell)">
      <template #default="{ cell }">
        <span class="my-cell-day">{{ dayNumber(cell) }}</span>
        <span v-if="cell.mark" class="my-cell-mark" :data-mark="cell.mark.key">{{ $t('self.month.mark.' + cell.mark.key) }}</span>
      </template>
    </MonthGrid>
    <div class="legend muted">
      <span class="legend-item"><span class="swatch mark-bad"></span>{{ $t('self.month.legendBad') }}</span>
      <span class="legend-item"><span class="swatch mark-warn"></span>{{ $t('self.month.legendWarn') }}</span>
      <span class="legend-item"><span class="swatch mark-info"></span>{{ $t('self.month.legendLeave') }}</span>
      <span class="legend-item"><span class="swatch type-rest_day"></span>{{ $t('punches.legendRest') }}</span>
    </div>
    <p class="muted small-text">{{ $t('self.month.tapHint') }}</p>
  </template>

  <el-drawer :model-value="opened !== null" :direction="isPhone ? 'btt' : 'rtl'" :size="isPhone ? '70%' : '420px'" :title="opened ? $t('punches.dayTitle', { date: opened.date, weekday: weekday(opened) }) : ''" @close="day = null" data-test="my-day">
    <template v-if="opened">
      <div class="block">
        <el-tag :type="opened.mark ? tagType(opened.mark) : 'success'" data-test="my-day-status">{{ opened.mark ? $t('self.month.mark.' + opened.mark.key) : $t('punches.status.' + opened.status) }}</el-tag>
        <span v-if="opened.mark && opened.mark.pending" class="muted small-text"> {{ $t('self.month.pendingRequest') }}</span>
      </div>
      <el-descriptions :column="1" border class="block">
        <el-descriptions-item :label="$t('punches.dayType')">{{ $t('punches.dayTypes.' + opened.day_type) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('punches.planned')">{{ opened.planned_start ? opened.planned_start + '–' + opened.planned_end : $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('self.month.punches')"><span data-test="my-day-punches">
          <span v-for="(p, i) in opened.punches" :key="i" class="cal-punch day-punch" :class="[p.correction, { uncounted: !p.counted }]">{{ p.time }}</span>
          <span v-if="!opened.punches.length" class="muted">{{ $t('punches.noPunches') }}</span></span></el-descriptions-item>
        <el-descriptions-item :label="$t('punches.worked')">{{ hours(opened.worked_minutes) }}</el-descriptions-item>
        <el-descriptions-item v-if="opened.late_minutes" :label="$t('attendance.late_minutes')">{{ $t('units.minutes', { n: opened.late_minutes }) }}</el-descriptions-item>
        <el-descriptions-item v-if="opened.early_minutes" :label="$t('attendance.early_minutes')">{{ $t('units.minutes', { n: opened.early_minutes }) }}</el-descriptions-item>
        <el-descriptions-item v-if="opened.overtime_minutes" :label="$t('self.month.overtime')">{{ hours(opened.overtime_minutes) }}</el-descriptions-item>
      </el-descriptions>
      <el-button v-if="exceptional(opened)" type="primary" class="auth-submit" @click="askCorrection" data-test="ask-correction">{{ $t('self.month.askCorrection') }}</el-button>
    </template>
  </el-drawer>
  <RequestForm :open="preset !== null" :types="types" :preset="preset" @close="preset = null" @submitted="submitted" />
</div>`,
};
