// The calendar beside a request: the employee's month (punch times, exceptions, rest days shaded) with the days
// this request asks for outlined and the employee's other leave, trips and 补卡 of the month marked, so the
// approver sees what those days look like before deciding. Monday first; compact enough for a phone.
import { computed, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { getMonth } from "../api/punches.js";
import { listRequests, monthOf } from "../api/requests.js";
import MonthGrid, { dayNumber } from "./MonthGrid.js";
import { showError } from "./notify.js";
import { daysOf, kindText } from "./requestText.js";

const BAD = new Set(["absent", "missing_punch"]);
const WARN = new Set(["late", "early_leave", "half_day_absent"]);
const QUIET = ["normal", "rest", "upcoming", "holiday", "not_employed"];

export default {
  components: { MonthGrid },
  props: { request: { type: Object, required: true } },
  setup(props) {
    const { t, te } = useI18n();
    const calendar = ref(null);
    const others = ref([]);
    const loading = ref(false);

    async function load() {
      const r = props.request;
      loading.value = true;
      try {
        const month = monthOf(r);
        const [cal, requests] = await Promise.all([getMonth(r.employee, month), listRequests({ employee: r.employee, month })]);
        if (props.request.id !== r.id) return; // another request was opened meanwhile: its own load shows it
        calendar.value = cal;
        others.value = requests.filter((o) => o.id !== r.id && (o.status === "approved" || o.status === "pending"));
      } catch (error) {
        calendar.value = null;
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    // Per day: the other requests touching it (their kind, and whether still pending).
    const marks = computed(() => {
      const byDay = new Map();
      for (const o of others.value) {
        const { first, last } = daysOf(o);
        for (const cell of calendar.value ? calendar.value.days : []) {
          if (cell.date < first || cell.date > last) continue;
          if (!byDay.has(cell.date)) byDay.set(cell.date, []);
          byDay.get(cell.date).push({ id: o.id, text: kindText(o, t, te), pending: o.status === "pending" });
        }
      }
      return byDay;
    });
    const asked = computed(() => daysOf(props.request));
    const isAsked = (cell) => cell.date >= asked.value.first && cell.date <= asked.value.last;
    const tone = (cell) => (BAD.has(cell.status) ? "bad" : WARN.has(cell.status) ? "warn" : "");

    watch(() => props.request.id, load, { immediate: true });
    return {
      calendar, loading, marks, QUIET, dayNumber,
      state: (cell) => [tone(cell), { asked: isAsked(cell) }],
      statusType: (s) => (BAD.has(s) ? "danger" : "warning"),
    };
  },
  template: `
<div class="req-cal" v-loading="loading" data-test="request-calendar">
  <template v-if="calendar">
    <p class="muted req-cal-title">{{ $t('inbox.calendarOf', { name: calendar.name, code: calendar.employee, month: calendar.period }) }}</p>
    <MonthGrid class="calendar req-cal-grid" :days="calendar.days" cell-class="cal-cell req-cal-cell" :state="state">
      <template #default="{ cell }">
        <div class="cal-top"><strong>{{ dayNumber(cell) }}</strong>
          <el-tag v-if="!QUIET.includes(cell.status)" size="small" :type="statusType(cell.status)" class="cal-status">{{ $t('punches.status.' + cell.status) }}</el-tag></div>
        <div class="cal-punches"><span v-for="(p, k) in cell.punches" :key="k" class="cal-punch" :class="[p.correction, { uncounted: !p.counted }]">{{ p.time }}</span></div>
        <div v-for="m in marks.get(cell.date) || []" :key="m.id" class="req-mark" :class="{ pending: m.pending }" data-test="calendar-mark">{{ m.text }}</div>
      </template>
    </MonthGrid>
    <div class="legend muted">
      <span class="legend-item"><span class="swatch asked"></span>{{ $t('inbox.legendAsked') }}</span>
      <span class="legend-item"><span class="req-mark">{{ $t('inbox.legendOther') }}</span></span>
      <span class="legend-item"><span class="req-mark pending">{{ $t('inbox.legendOtherPending') }}</span></span>
      <span class="legend-item"><span class="swatch type-rest_day"></span>{{ $t('punches.legendRest') }}</span>
    </div>
  </template>
</div>`,
};
