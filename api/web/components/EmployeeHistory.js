// An employee's dated terms (变更记录): every record from its day on, field by field (old → new), who wrote it and
// why (when: on the office's clock, zones.js), corrected records marked; and a form for a new dated change ("from
// this day on"), Chinese first. Amounts are
// typed in yuan and sent as integer fen (format.fenOf); only the fields filled in are sent, so a change of salary
// leaves the office alone. A refusal (a locked pay run's month, a day before hiring) is shown as the server says it.
import { ElMessage } from "element-plus";
import { reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { addChange, getHistory } from "../api/employees.js";
import { dateTime, fenOf, yuan } from "../format.js";
import { zoneOf } from "../zones.js";
import { showError } from "./notify.js";

const MONEY = ["monthly_salary_fen", "hourly_rate_fen", "si_base_fen", "special_deductions_fen"];
const TEXT = ["office", "si_city", "shift_rule", "entity"];
export const CHANGE_FIELDS = ["pay_basis", ...MONEY, ...TEXT];
const OPENING_DAY = "2000-01-01"; // gateway.people.employee_terms.OPENING_DAY: the hiring day was not known

function blank() {
  return { effective_from: "", reason: "", pay_basis: "", ...Object.fromEntries([...MONEY, ...TEXT].map((k) => [k, ""])) };
}

export default {
  props: {
    code: { type: String, required: true }, office: { type: String, default: null }, writer: { type: Boolean, required: true },
    offices: { type: Array, required: true },
  },
  emits: ["changed"],
  setup(props, { emit }) {
    const { t } = useI18n();
    const records = ref([]);
    const form = reactive(blank());
    const problem = ref("");
    const saving = ref(false);

    const shown = (field, value) => {
      if (value === null || value === undefined || value === "") return "—";
      if (MONEY.includes(field)) return yuan(value);
      if (field === "pay_basis") return t("employees.basis." + value);
      return String(value);
    };
    // One row per field a record sets: the table reads like a ledger of changes.
    const rows = ref([]);
    async function load() {
      try {
        records.value = (await getHistory(props.code)).records;
      } catch (error) {
        records.value = [];
        showError(error);
      }
      // An opening record (nothing before it) lists only the fields it holds a value for.
      // The opening record (the terms held before the first dated change) is named as such, in the page's language.
      rows.value = records.value.flatMap((r, i) => {
        const opening = i === 0 && !r.corrects && Object.keys(r.before).length === 0;
        return Object.entries(r.values).filter(([field, value]) => field in r.before || value !== null).map(([field, value], n) => ({
          key: `${r.id}-${field}`, first: n === 0, id: r.id, field,
          effective_from: opening && r.effective_from === OPENING_DAY ? t("terms.openingDay") : r.effective_from,
          old: shown(field, r.before[field]), new: shown(field, value), who: r.created_by,
          when: dateTime(r.created_at, zoneOf(props.office)), reason: opening ? t("terms.opening") : r.reason, corrects: r.corrects,
          superseded: r.superseded_by,
        }));
      });
    }

    async function submit() {
      problem.value = "";
      if (!form.effective_from) return (problem.value = t("terms.needDate"));
      if (!form.reason.trim()) return (problem.value = t("terms.needReason"));
      const body = { effective_from: form.effective_from, reason: form.reason.trim() };
      for (const field of MONEY) {
        if (form[field] === "") continue;
        const fen = fenOf(form[field]);
        if (fen === null) return (problem.value = t("validation.yuan", { field: t("terms.fields." + field) }));
        body[field] = fen;
      }
      for (const field of TEXT) if (form[field].trim()) body[field] = form[field].trim();
      if (form.pay_basis) body.pay_basis = form.pay_basis;
      if (Object.keys(body).length === 2) return (problem.value = t("terms.needField"));
      saving.value = true;
      try {
        await addChange(props.code, body);
        ElMessage.success(t("terms.added", { day: form.effective_from }));
        Object.assign(form, blank());
        await load();
        emit("changed");
      } catch (error) {
        problem.value = error.detail || error.message;
      } finally {
        saving.value = false;
      }
    }

    watch(() => props.code, load, { immediate: true });
    return { rows, form, problem, saving, submit, CHANGE_FIELDS, MONEY, TEXT };
  },
  template: `
<div data-test="employee-history">
  <el-table :data="rows" row-key="key" :empty-text="$t('terms.none')" data-test="terms-table">
    <el-table-column :label="$t('terms.from')" width="96"><template #default="{ row }">{{ row.first ? row.effective_from : '' }}</template></el-table-column>
    <el-table-column :label="$t('terms.field')" width="96"><template #default="{ row }">{{ $t('terms.fields.' + row.field) }}</template></el-table-column>
    <el-table-column :label="$t('terms.change')" min-width="130"><template #default="{ row }">
      <span :class="{ 'struck': row.superseded }">{{ row.old }} → {{ row.new }}</span>
      <el-tag v-if="row.first && row.superseded" size="small" type="info" class="gap-left">{{ $t('terms.corrected') }}</el-tag>
      <el-tag v-if="row.first && row.corrects" size="small" type="warning" class="gap-left">{{ $t('terms.correction') }}</el-tag>
    </template></el-table-column>
    <el-table-column :label="$t('terms.who')" width="110"><template #default="{ row }">{{ row.first ? row.who : '' }}<div v-if="row.first" class="muted">{{ row.when }}</div></template></el-table-column>
    <el-table-column :label="$t('terms.reason')" min-width="90"><template #default="{ row }">{{ row.first ? row.reason : '' }}</template></el-table-column>
  </el-table>
  <template v-if="writer">
    <h4>{{ $t('terms.addTitle') }}</h4>
    <el-form :model="form" label-width="auto" data-test="terms-form" @submit.prevent="submit">
      <el-form-item :label="$t('terms.from')" required><el-date-picker v-model="form.effective_from" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" name="effective_from" data-test="terms-from" /></el-form-item>
      <el-form-item :label="$t('terms.fields.pay_basis')">
        <el-select v-model="form.pay_basis" clearable :placeholder="$t('terms.unchanged')">
          <el-option v-for="b in ['monthly', 'hourly', 'piece']" :key="b" :value="b" :label="$t('employees.basis.' + b)" />
        </el-select>
      </el-form-item>
      <el-form-item v-for="f in MONEY" :key="f" :label="$t('terms.fields.' + f)"><el-input v-model="form[f]" :name="f" inputmode="decimal" :placeholder="$t('terms.unchanged')"><template #append>{{ $t('employees.yuanUnit') }}</template></el-input></el-form-item>
      <el-form-item :label="$t('terms.fields.office')">
        <el-select v-model="form.office" clearable :placeholder="$t('terms.unchanged')"><el-option v-for="o in offices" :key="o" :value="o" :label="o" /></el-select>
      </el-form-item>
      <el-form-item v-for="f in ['si_city', 'shift_rule', 'entity']" :key="f" :label="$t('terms.fields.' + f)"><el-input v-model="form[f]" :name="f" :placeholder="$t('terms.unchanged')" /></el-form-item>
      <el-form-item :label="$t('terms.reason')" required><el-input v-model="form.reason" name="reason" maxlength="500" :placeholder="$t('terms.reasonHint')" /></el-form-item>
    </el-form>
    <el-alert v-if="problem" type="error" :closable="false" show-icon :title="$t('terms.refused')" :description="problem" data-test="terms-problem" />
    <p class="muted">{{ $t('terms.hint') }}</p>
    <div class="button-row drawer-foot"><el-button type="primary" :loading="saving" @click="submit" data-test="terms-add">{{ $t('terms.add') }}</el-button></div>
  </template>
</div>`,
};
