// A month as a grid of weeks, Monday first, as every Chinese attendance calendar shows it: the weekday row, then
// one cell per day, with empty pads before the 1st and after the last day. The three month calendars (HR's
// punches, the approver's calendar beside a request, the employee's 我的考勤) differ only in what a cell shows,
// which is the slot's: `<MonthGrid :days="…" cell-class="cal-cell" :state="…" @pick="…"><template #default="{ cell }">`.
// `button` makes the cells buttons (a phone's tap target); the class and data-test given go to the grid itself.
import { computed } from "vue";

export const weekdayOf = (date) => new Date(`${date}T12:00:00Z`).getUTCDay();
export const dayNumber = (cell) => Number(cell.date.slice(8));
const WEEKDAYS = [1, 2, 3, 4, 5, 6, 0];

// Weeks of seven cells; null pads the first and the last week.
export function monthWeeks(days) {
  if (!days || !days.length) return [];
  const cells = Array((weekdayOf(days[0].date) + 6) % 7).fill(null).concat(days);
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

export default {
  props: {
    days: { type: Array, required: true },
    cellClass: { type: String, default: "cal-cell" },
    state: { type: Function, default: () => [] }, // a day's extra classes (its tone, opened, asked…)
    button: { type: Boolean, default: false },
  },
  emits: ["pick"],
  setup(props) {
    return {
      weeks: computed(() => monthWeeks(props.days)),
      weekdays: WEEKDAYS,
      classOf: (cell) => [props.cellClass, cell ? ["type-" + cell.day_type, props.state(cell)] : "pad"],
    };
  },
  template: `
<div>
  <div class="cal-head" v-for="w in weekdays" :key="w">{{ $t('my.weekday.' + w) }}</div>
  <template v-for="(week, i) in weeks" :key="i">
    <component :is="button ? 'button' : 'div'" v-for="(cell, j) in week" :key="i + '-' + j" :type="button ? 'button' : undefined"
      :disabled="button && !cell" :class="classOf(cell)" :data-day="cell ? cell.date : null" @click="cell && $emit('pick', cell)">
      <slot v-if="cell" :cell="cell" />
    </component>
  </template>
</div>`,
};
