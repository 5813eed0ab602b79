// One payslip: net, gross and deductions, attendance with Chinese labels, every line with its name and a
// plain-language explanation with the actual numbers. A table on a desktop, cards on a phone.
import { computed } from "vue";
import { useI18n } from "vue-i18n";
import { ATTENDANCE_ORDER, attendanceText, explainLine, lineName, splitLines } from "../explain.js";
import { yuan } from "../format.js";
import { isPhone } from "../viewport.js";

const TOTALS = new Set(["GROSS", "NET"]);

export default {
  props: { slip: { type: Object, required: true } },
  setup(props) {
    const { t, te } = useI18n();
    const rows = (lines) =>
      lines.map((line) => ({
        code: line.code,
        name: lineName(line.code, t, te),
        amount: yuan(line.amount_fen),
        negative: line.amount_fen < 0,
        total: TOTALS.has(line.code),
        explanation: explainLine(line, props.slip, t),
      }));
    const groups = computed(() => {
      const split = splitLines(props.slip.lines);
      return { pay: rows(split.pay), employer: rows(split.employer) };
    });
    const deductions = computed(() => {
      const f = props.slip.figures;
      return yuan(f.si_employee_fen + f.hf_employee_fen + f.iit_fen);
    });
    const attendance = computed(() =>
      ATTENDANCE_ORDER.filter((key) => key in props.slip.attendance).map((key) => ({
        key,
        label: t(`attendance.${key}`),
        value: attendanceText(key, props.slip.attendance[key], t),
      })),
    );
    const rowClass = ({ row }) => [row.total ? "total-row" : "", row.negative ? "negative-row" : ""].join(" ");
    return { groups, deductions, attendance, rowClass, isPhone, yuan };
  },
  template: `
<div class="payslip" :data-payslip="slip.id">
  <el-alert v-if="slip.status !== 'locked'" type="warning" :title="$t('payslip.notLocked')" :closable="false" show-icon class="block" />
  <div class="slip-figures block">
    <div class="slip-figure main"><div class="muted">{{ $t('payslip.net') }}</div><div class="slip-amount" data-test="slip-net">{{ yuan(slip.net_fen) }}</div></div>
    <div class="slip-figure"><div class="muted">{{ $t('payslip.gross') }}</div><div class="slip-amount small">{{ yuan(slip.gross_fen) }}</div></div>
    <div class="slip-figure"><div class="muted">{{ $t('payslip.deductions') }}</div><div class="slip-amount small">{{ deductions }}</div></div>
  </div>

  <el-card shadow="never" class="block">
    <template #header><strong>{{ $t('payslip.attendance') }}</strong></template>
    <div class="attendance-grid" data-test="slip-attendance">
      <div v-for="item in attendance" :key="item.key" class="attendance-item" :data-key="item.key">
        <span class="muted">{{ item.label }}</span><strong>{{ item.value }}</strong>
      </div>
    </div>
  </el-card>

  <el-card shadow="never" class="block">
    <template #header><strong>{{ $t('payslip.lines') }}</strong></template>
    <div v-if="isPhone" class="line-cards" data-test="slip-lines">
      <div v-for="row in groups.pay" :key="row.code + row.explanation" class="line-card" :class="{ total: row.total }" :data-code="row.code">
        <div class="line-head"><span class="line-name">{{ row.name }}</span><span class="num" :class="{ negative: row.negative }">{{ row.amount }}</span></div>
        <div class="line-explanation">{{ row.explanation }}</div>
      </div>
    </div>
    <el-table v-else :data="groups.pay" :row-class-name="rowClass" data-test="slip-lines" size="small">
      <el-table-column :label="$t('payslip.item')" width="150"><template #default="{ row }"><span class="line-name" :data-code="row.code">{{ row.name }}</span></template></el-table-column>
      <el-table-column :label="$t('payslip.amount')" align="right" width="140"><template #default="{ row }"><span class="num line-amount" :class="{ negative: row.negative }">{{ row.amount }}</span></template></el-table-column>
      <el-table-column :label="$t('payslip.explanation')" min-width="320"><template #default="{ row }"><span class="line-explanation">{{ row.explanation }}</span></template></el-table-column>
    </el-table>
  </el-card>

  <el-card v-if="groups.employer.length" shadow="never" class="block">
    <template #header><strong>{{ $t('payslip.employer') }}</strong></template>
    <div class="line-cards employer">
      <div v-for="row in groups.employer" :key="row.code" class="line-card" :data-code="row.code">
        <div class="line-head"><span class="line-name">{{ row.name }}</span><span class="num">{{ row.amount }}</span></div>
        <div class="line-explanation">{{ row.explanation }}</div>
      </div>
    </div>
  </el-card>
</div>`,
};
