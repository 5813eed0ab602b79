// Punches and corrections: pick an employee and a month → the month as a calendar (Monday first) from the
// calendar endpoint: punch times per day, exceptions highlighted (late, early, absent, missing punch), rest days
// and holidays shaded. A day opens its punches and a correction with a reason: add a missed punch, void one,
// or move one. The raw punch is never edited; the calendar shows the correction (added, struck out, moved).
import { ElMessage } from "element-plus";
import { computed, reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute, useRouter } from "vue-router";
import { newestOnly } from "../api/http.js";
import { addCorrection, getMonth } from "../api/punches.js";
import { canWrite } from "../auth.js";
import EmployeePicker from "../components/EmployeePicker.js";
import MonthGrid, { dayNumber, weekdayOf } from "../components/MonthGrid.js";
import { showError } from "../components/notify.js";
import { attendanceText, durationText } from "../explain.js";
import { utcOf } from "../format.js";
import { isPhone } from "../viewport.js";

const SUMMARY = ["scheduled_days", "worked_days", "absent_days", "late_minutes", "early_minutes", "missing_punches", "ot_workday_minutes", "ot_restday_minutes", "ot_holiday_minutes"];
const BAD = new Set(["absent", "missing_punch"]);
const WARN = new Set(["late", "early_leave", "half_day_absent"]);
// Statuses the grid shows by its shading alone, without a tag.
const QUIET = ["normal", "rest", "upcoming"];
const TIME = /^([01]?\d|2[0-3])[:\uFF1A][0-5]\d$/; // 8:57, 08:57 or with a full-width colon as a Chinese IME types it

function lastMonth() {
  const now = new Date();
  const back = new Date(now.getFullYear(), now.getMonth() - 1, 1);
  return `${back.getFullYear()}-${String(back.getMonth() + 1).padStart(2, "0")}`;
}

export default {
  components: { EmployeePicker, MonthGrid },
  setup() {
    const { t } = useI18n();
    const route = useRoute();
    const router = useRouter();
    const employee = ref(String(route.query.employee || ""));
    const month = ref(String(route.query.period || lastMonth()));
    const calendar = ref(null);
    const loading = ref(false);
    const day = ref(null); // the day opened
    const form = reactive({ action: "add", punch: null, time: "", reason: "" });
    const saving = ref(false);
    const writer = computed(canWrite);
    const newest = newestOnly();

    async function load() {
      const isNewest = newest(); // also an employee cleared: an answer still on its way is dropped
      if (!employee.value || !month.value) {
        calendar.value = null;
        return;
      }
      router.replace({ query: { employee: employee.value, period: month.value } });
      loading.value = true;
      try {
        const answer = await getMonth(employee.value, month.value);
        if (!isNewest()) return;
        calendar.value = answer;
        if (day.value) day.value = calendar.value.days.find((d) => d.date === day.value.date) || null;
      } catch (error) {
        if (!isNewest()) return;
        calendar.value = null;
        showError(error);
      } finally {
        if (isNewest()) loading.value = false;
      }
    }

    const summary = computed(() =>
      calendar.value ? SUMMARY.map((key) => ({ key, label: t(`attendance.${key}`), value: attendanceText(key, calendar.value.summary[key] ?? 0, t) })) : [],
    );
    const rawPunches = computed(() => (day.value ? day.value.punches.filter((p) => p.punch_id !== null && p.correction !== "voided") : []));

    const tone = (cell) => (BAD.has(cell.status) ? "bad" : WARN.has(cell.status) ? "warn" : "");

    function open(cell) {
      day.value = cell;
      Object.assign(form, { action: "add", punch: null, time: "", reason: "" });
    }

    async function correct() {
      const needsPunch = form.action !== "add";
      const needsTime = form.action !== "void";
      if (needsPunch && form.punch === null) return ElMessage.error(t("validation.choose", { field: t("punches.punch") }));
      const time = form.time.trim();
      if (needsTime && !TIME.test(time)) return ElMessage.error(t("validation.time"));
      if (form.reason.trim().length < 3) return ElMessage.error(t("validation.reason"));
      const body = { action: form.action, reason: form.reason.trim() };
      if (needsPunch) body.punch_id = form.punch;
      else body.employee = employee.value;
      if (needsTime) body.ts_utc = utcOf(day.value.date, time.replace(/\D/, ":").padStart(5, "0"), calendar.value.timezone);
      saving.value = true;
      try {
        await addCorrection(body);
        ElMessage.success(t("punches.corrected"));
        Object.assign(form, { action: "add", punch: null, time: "", reason: "" });
        await load();
      } catch (error) {
        showError(error);
      } finally {
        saving.value = false;
      }
    }

    watch([employee, month], load, { immediate: true });
    return {
      employee, month, calendar, loading, summary, day, form, saving, writer, rawPunches, isPhone, open, correct,
      tone,
      state: (cell) => [tone(cell), { open: day.value !== null && day.value.date === cell.date }],
      statusType: (s) => (BAD.has(s) ? "danger" : WARN.has(s) ? "warning" : s === "normal" ? "success" : "info"),
      dayNumber,
      weekday: (cell) => t(`my.weekday.${weekdayOf(cell.date)}`),
      QUIET,
      hours: (minutes) => durationText(minutes, t),
    };
  },
  template: `
<div class="page">
  <div class="page-head"><h2 class="page-title">{{ $t('punches.title') }}</h2></div>
  <el-card shadow="never" class="block">
    <el-form inline class="filter-form" @submit.prevent>
      <el-form-item :label="$t('punches.employee')"><EmployeePicker v-model="employee" data-test="punches-employee" /></el-form-item>
      <el-form-item :label="$t('punches.month')"><el-date-picker v-model="month" type="month" value-format="YYYY-MM" format="YYYY-MM" :clearable="false" data-test="punches-month" /></el-form-item>
    </el-form>
  </el-card>
  <el-empty v-if="!calendar && !loading" :description="$t('punches.pick')" />
  <div v-else v-loading="loading">
    <template v-if="calendar">
      <p class="muted">{{ $t('punches.heading', { name: calendar.name, code: calendar.employee, office: calendar.office, shift: calendar.shift }) }}</p>
      <el-card shadow="never" class="block">
        <div class="attendance-grid" data-test="month-summary">
          <div v-for="item in summary" :key="item.key" class="attendance-item"><span class="muted">{{ item.label }}</span><strong>{{ item.value }}</strong></div>
        </div>
      </el-card>
      <div v-if="isPhone" class="day-list" data-test="calendar">
        <div v-for="cell in calendar.days" :key="cell.date" class="day-row clickable" :class="['type-' + cell.day_type, tone(cell)]" :data-day="cell.date" @click="open(cell)">
          <div class="day-date"><strong>{{ cell.date }}</strong><span class="muted">{{ weekday(cell) }}</span></div>
          <div class="day-times">
            <el-tag v-if="!QUIET.includes(cell.status)" size="small" :type="statusType(cell.status)">{{ $t('punches.status.' + cell.status) }}</el-tag>
            <span v-for="(p, i) in cell.punches" :key="i" class="cal-punch" :class="p.correction">{{ p.time }}</span>
          </div>
        </div>
      </div>
      <MonthGrid v-else class="calendar" data-test="calendar" :days="calendar.days" :state="state" @pick="open">
        <template #default="{ cell }">
          <div class="cal-top"><strong>{{ dayNumber(cell) }}</strong>
            <el-tag v-if="!QUIET.includes(cell.status)" size="small" :type="statusType(cell.status)" class="cal-status">{{ $t('punches.status.' + cell.status) }}</el-tag></div>
          <div v-if="cell.planned_start" class="muted cal-plan">{{ cell.planned_start }}–{{ cell.planned_end }}</div>
          <div class="cal-punches"><span v-for="(p, k) in cell.punches" :key="k" class="cal-punch" :class="[p.correction, { uncounted: !p.counted }]">{{ p.time }}</span></div>
        </template>
      </MonthGrid>
      <div class="legend muted">
        <span class="legend-item"><span class="swatch type-rest_day"></span>{{ $t('punches.legendRest') }}</span>
        <span class="legend-item"><span class="swatch type-holiday"></span>{{ $t('punches.legendHoliday') }}</span>
        <span class="legend-item"><span class="cal-punch added">08:00</span>{{ $t('punches.legendAdded') }}</span>
        <span class="legend-item"><span class="cal-punch voided">08:00</span>{{ $t('punches.legendVoided') }}</span>
        <span class="legend-item"><span class="cal-punch moved">08:00</span>{{ $t('punches.legendMoved') }}</span>
      </div>
    </template>
  </div>

  <el-drawer :model-value="day !== null" :title="day ? $t('punches.dayTitle', { date: day.date, weekday: weekday(day) }) : ''" size="min(440px, 100vw)" @close="day = null" data-test="day-drawer">
    <template v-if="day">
      <el-descriptions :column="1" border class="block">
        <el-descriptions-item :label="$t('punches.dayType')">{{ $t('punches.dayTypes.' + day.day_type) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('punches.planned')">{{ day.planned_start ? day.planned_start + '–' + day.planned_end : $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('punches.statusLabel')"><el-tag size="small" :type="statusType(day.status)" data-test="day-status">{{ $t('punches.status.' + day.status) }}</el-tag></el-descriptions-item>
        <el-descriptions-item :label="$t('punches.worked')">{{ hours(day.worked_minutes) }}</el-descriptions-item>
        <el-descriptions-item v-if="day.late_minutes" :label="$t('attendance.late_minutes')">{{ $t('units.minutes', { n: day.late_minutes }) }}</el-descriptions-item>
        <el-descriptions-item v-if="day.early_minutes" :label="$t('attendance.early_minutes')">{{ $t('units.minutes', { n: day.early_minutes }) }}</el-descriptions-item>
      </el-descriptions>
      <h4 class="section-title">{{ $t('punches.dayPunches') }}</h4>
      <p v-if="!day.punches.length" class="muted">{{ $t('punches.noPunches') }}</p>
      <div v-for="(p, i) in day.punches" :key="i" class="problem" data-test="day-punch">
        <span class="cal-punch" :class="p.correction">{{ p.time }}</span>
        <span class="muted">{{ p.correction ? $t('punches.correction.' + p.correction, { from: p.moved_from || '' }) : $t('punches.asPunched') }}</span>
        <span v-if="!p.counted && p.correction !== 'voided'" class="muted">{{ $t('punches.notCounted') }}</span>
      </div>
      <template v-if="writer">
        <h4 class="section-title">{{ $t('punches.addCorrection') }}</h4>
        <el-form label-width="auto" data-test="correction-form" @submit.prevent>
          <el-form-item :label="$t('punches.action')">
            <el-radio-group v-model="form.action">
              <el-radio-button value="add">{{ $t('punches.actions.add') }}</el-radio-button>
              <el-radio-button value="void" :disabled="!rawPunches.length">{{ $t('punches.actions.void') }}</el-radio-button>
              <el-radio-button value="move" :disabled="!rawPunches.length">{{ $t('punches.actions.move') }}</el-radio-button>
            </el-radio-group>
          </el-form-item>
          <el-form-item v-if="form.action !== 'add'" :label="$t('punches.punch')">
            <el-select v-model="form.punch" data-test="correction-punch"><el-option v-for="p in rawPunches" :key="p.punch_id" :value="p.punch_id" :label="p.time" /></el-select>
          </el-form-item>
          <el-form-item v-if="form.action !== 'void'" :label="$t('punches.time')">
            <el-input v-model="form.time" name="time" maxlength="5" class="time-input" data-test="correction-time" :placeholder="$t('punches.timeHint')" />
          </el-form-item>
          <el-form-item :label="$t('punches.reason')"><el-input v-model="form.reason" type="textarea" :rows="2" maxlength="1000" name="reason" :placeholder="$t('punches.reasonHint')" /></el-form-item>
          <el-button type="primary" :loading="saving" @click="correct" data-test="correction-submit">{{ $t('punches.submit') }}</el-button>
        </el-form>
        <p class="muted">{{ $t('punches.rawKept') }}</p>
      </template>
    </template>
  </el-drawer>
</div>`,
};
