// 批量排班: a rotation pattern of the office written over a range of days for chosen employees, a crew and/or a
// department (and those below it), in one request (POST /rosters/assign, one transaction on the server). The
// start date is the pattern's day 1, so a range that starts mid-cycle continues the rotation instead of restarting.
import { ElMessage } from "element-plus";
import { computed, reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { listDepartments, treeOrder } from "../api/departments.js";
import { assignPattern, listCrews, listPatterns } from "../api/rosters.js";
import { showError } from "./notify.js";

export default {
  props: { office: { type: String, required: true }, roster: { type: Object, required: true } },
  emits: ["assigned"],
  setup(props, { emit, expose }) {
    const { t } = useI18n();
    const open = ref(false);
    const patterns = ref([]);
    const crews = ref([]);
    const departments = ref([]);
    const form = reactive({ pattern: "", start: "", range: [], employees: [], crew: "", department: "" });
    const busy = ref(false);
    const problem = ref("");
    const chosen = computed(() => patterns.value.find((p) => p.code === form.pattern) || null);
    watch(form, () => (problem.value = "")); // a refusal is about the form as it was sent

    async function show() {
      const days = props.roster.days;
      Object.assign(form, { pattern: "", start: days[0], range: [days[0], days[days.length - 1]], employees: [], crew: "", department: "" });
      problem.value = "";
      open.value = true;
      try {
        [patterns.value, crews.value, departments.value] = await Promise.all([
          listPatterns(props.office), listCrews(props.office), listDepartments({ office: props.office }),
        ]);
        departments.value = treeOrder(departments.value);
      } catch (error) {
        showError(error);
      }
    }

    function check() {
      if (!form.pattern) return t("validation.choose", { field: t("roster.pattern") });
      if (!form.start || form.range.length !== 2) return t("roster.needDates");
      if (!form.employees.length && !form.crew && !form.department) return t("roster.needTargets");
      return "";
    }

    async function send() {
      problem.value = check();
      if (problem.value) return;
      busy.value = true;
      try {
        const written = await assignPattern({
          office: props.office, pattern: form.pattern, start: form.start, first: form.range[0], last: form.range[1],
          employees: form.employees, crew: form.crew || null, department: form.department || null,
        });
        open.value = false;
        ElMessage.success(t("roster.assigned", { n: written.cells }));
        emit("assigned");
      } catch (error) {
        problem.value = error.detail || t(`errors.${error.kind}`);
      } finally {
        busy.value = false;
      }
    }

    expose({ show });
    return { open, patterns, crews, departments, form, busy, problem, chosen, send, rest: () => t("roster.rest") };
  },
  template: `
<el-dialog v-model="open" :title="$t('roster.assignTitle')" width="min(560px, 96vw)" data-test="roster-assign-dialog">
  <el-form label-width="auto" @submit.prevent>
    <el-form-item :label="$t('roster.pattern')">
      <el-select v-model="form.pattern" class="block-input" data-test="assign-pattern">
        <el-option v-for="p in patterns" :key="p.code" :value="p.code" :label="p.name + ' (' + p.code + ')'" />
      </el-select>
    </el-form-item>
    <p v-if="chosen" class="muted small-text" data-test="assign-cycle">{{ $t('roster.cycle', { days: chosen.cycle.length, cycle: chosen.cycle.map((s) => s || rest()).join(' → ') }) }}</p>
    <el-form-item :label="$t('roster.start')">
      <el-date-picker v-model="form.start" type="date" value-format="YYYY-MM-DD" :clearable="false" data-test="assign-start" />
    </el-form-item>
    <el-form-item :label="$t('roster.range')">
      <el-date-picker v-model="form.range" type="daterange" value-format="YYYY-MM-DD" :clearable="false" class="range-input" data-test="assign-range" />
    </el-form-item>
    <el-form-item :label="$t('roster.employees')">
      <el-select v-model="form.employees" multiple filterable class="block-input" data-test="assign-employees">
        <el-option v-for="row in roster.rows" :key="row.employee" :value="row.employee" :label="row.employee + ' ' + row.name" />
      </el-select>
    </el-form-item>
    <el-form-item :label="$t('roster.crew')">
      <el-select v-model="form.crew" clearable class="block-input" data-test="assign-crew">
        <el-option v-for="c in crews" :key="c.code" :value="c.code" :label="c.name + ' (' + c.code + ')'" />
      </el-select>
    </el-form-item>
    <el-form-item :label="$t('roster.department')">
      <el-select v-model="form.department" clearable class="block-input" data-test="assign-department">
        <el-option v-for="d in departments" :key="d.code" :value="d.code" :label="d.name + ' (' + d.code + ')'" />
      </el-select>
    </el-form-item>
    <p class="muted small-text">{{ $t('roster.assignNote') }}</p>
    <el-alert v-if="problem" type="error" :closable="false" show-icon :title="problem" data-test="assign-problem" />
  </el-form>
  <template #footer>
    <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
    <el-button type="primary" :loading="busy" @click="send" data-test="assign-send">{{ $t('roster.assignNow') }}</el-button>
  </template>
</el-dialog>`,
};
