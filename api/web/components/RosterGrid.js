// The month's roster as one table: employees (工号, 姓名, 部门, 班组) × days, each cell the shift's name on the
// shift's colour or 休, the day head with its weekday and the office calendar's day type (rest day, statutory
// holiday, make-up workday), and a headcount row per shift at the foot. 工号 and 姓名 and the head row stay put
// while the month scrolls (position: sticky), so a 31-day month reads on a laptop and, scrolled sideways, on a
// phone. `cellOf(row, d)` gives what a cell shows (the saved shift or a pending change), `edited(row, d)` marks a
// pending one; a corner mark shows a day with a cell of its own (`row.own`: it beats the crew's pattern and the
// fixed shift). A click emits `pick` with the row and the day's index when `editable`.
import { computed } from "vue";
import { weekdayOf } from "./MonthGrid.js";

export default {
  props: {
    roster: { type: Object, required: true },
    colours: { type: Object, required: true },
    cellOf: { type: Function, required: true },
    edited: { type: Function, required: true },
    editable: { type: Boolean, default: false },
  },
  emits: ["pick"],
  setup(props) {
    const heads = computed(() =>
      props.roster.days.map((date, d) => ({ date, day: Number(date.slice(8)), weekday: weekdayOf(date), type: props.roster.day_types[d] })),
    );
    // Per shift, the people on it each day as the grid shows them now (pending changes counted).
    const headcount = computed(() =>
      props.roster.shifts.map((s) => ({
        name: s.name,
        counts: props.roster.days.map((_, d) => props.roster.rows.filter((row) => props.cellOf(row, d) === s.name).length),
      })),
    );
    const style = (shift) => (shift && props.colours[shift] ? { background: props.colours[shift].bg, color: props.colours[shift].fg } : {});
    return { heads, headcount, style };
  },
  template: `
<div class="roster-scroll" data-test="roster-grid">
  <table class="roster-table">
    <thead>
      <tr>
        <th class="col-code sticky-col">{{ $t('roster.code') }}</th>
        <th class="col-name sticky-col">{{ $t('roster.name') }}</th>
        <th class="col-dept">{{ $t('roster.department') }}</th>
        <th class="col-crew">{{ $t('roster.crew') }}</th>
        <th v-for="h in heads" :key="h.date" class="day-head" :class="'type-' + h.type" :data-date="h.date">
          <div>{{ h.day }}</div><div class="small-text">{{ $t('my.weekday.' + h.weekday) }}</div>
          <div v-if="h.type !== 'workday'" class="day-mark">{{ $t('roster.dayMark.' + h.type) }}</div>
        </th>
      </tr>
    </thead>
    <tbody>
      <tr v-for="row in roster.rows" :key="row.employee" :data-employee="row.employee">
        <td class="col-code sticky-col">{{ row.employee }}</td>
        <td class="col-name sticky-col">{{ row.name }}</td>
        <td class="col-dept">{{ row.department || '' }}</td>
        <td class="col-crew">{{ row.crew || '' }}</td>
        <td v-for="(h, d) in heads" :key="h.date" class="roster-cell" :class="['type-' + h.type, { edited: edited(row, d), editable, own: row.own[d] }]"
          :style="style(cellOf(row, d))" :data-date="h.date" :data-shift="cellOf(row, d) || ''" @click="editable && $emit('pick', row, d)">
          {{ cellOf(row, d) || $t('roster.rest') }}
        </td>
      </tr>
    </tbody>
    <tfoot>
      <tr v-for="count in headcount" :key="count.name" :data-headcount="count.name">
        <th class="col-code sticky-col foot-label" colspan="2"><span class="swatch" :style="style(count.name)"></span>{{ $t('roster.headcountOf', { shift: count.name }) }}</th>
        <th class="col-dept"></th>
        <th class="col-crew"></th>
        <td v-for="(n, d) in count.counts" :key="d" class="roster-count" :class="'type-' + heads[d].type">{{ n }}</td>
      </tr>
    </tfoot>
  </table>
</div>`,
};
