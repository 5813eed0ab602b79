// 发起变动: one personnel change (转正, 调薪 or 调动) for an employee, from HR's employee drawer or a manager's team,
// in a drawer (a bottom sheet on a phone). The terms in force on the chosen day are shown beside each field (旧), so
// what is typed is the new value (新); 转正 starts from the pay agreed at onboarding when there is one. Only the
// fields that differ from today's are sent (as integer fen, format.fenOf), through POST /requests (kind `change`);
// the manager and then HR approve it. A refusal (a locked month, a day before hiring) is shown as the API words it.
import { ElMessage } from "element-plus";
import { computed, reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { listDepartments, treeOrder } from "../api/departments.js";
import { getChangeTerms, submitChange } from "../api/personnelChanges.js";
import { fenOf, yuanInput } from "../format.js";
import { isPhone } from "../viewport.js";
import { termText } from "./requestText.js";

export const CHANGE_TYPES = ["probation", "raise", "transfer"];
const PAY = ["pay_basis", "monthly_salary_fen", "hourly_rate_fen"];
const PLACE = ["office", "department", "shift_rule"];
const MONEY = ["monthly_salary_fen", "hourly_rate_fen"];

const blank = () => ({
  change_type: "raise", effective_from: "", reason: "", pay_basis: "", monthly_salary_fen: "", hourly_rate_fen: "",
  office: "", department: "", shift_rule: "",
});

export default {
  props: { offices: { type: Array, default: () => [] } },
  emits: ["submitted"],
  setup(props, { emit, expose }) {
    const { t } = useI18n();
    const open = ref(false);
    const person = ref(null); // { code, name }
    const form = reactive(blank());
    const current = ref(null); // GET /personnel-changes/{code}/terms: terms on the day, agreed pay
    const departments = ref([]);
    const problem = ref("");
    const saving = ref(false);

    const fields = computed(() => (form.change_type === "transfer" ? PLACE : PAY));
    const basis = computed(() => form.pay_basis || (current.value && current.value.terms.pay_basis) || "monthly");
    const officeChoices = computed(() => (props.offices.length ? props.offices : [...new Set(departments.value.map((d) => d.office))].sort()));
    const officeDepartments = computed(() => treeOrder(departments.value.filter((d) => d.office === (form.office || (current.value && current.value.terms.office)))));
    const old = (field) => {
      const value = current.value ? current.value.terms[field] : null;
      const department = field === "department" && departments.value.find((d) => d.code === value);
      return department ? department.name : termText(field, value, t);
    };

    // 转正 starts from the onboarding's agreed pay (its basis' field); the other types start empty (= unchanged).
    function prefill() {
      for (const field of [...PAY, ...PLACE]) form[field] = "";
      const agreed = current.value ? current.value.agreed_pay : {};
      if (form.change_type === "probation") for (const [field, fen] of Object.entries(agreed)) form[field] = yuanInput(fen);
    }

    async function loadTerms() {
      if (!person.value) return;
      try {
        current.value = await getChangeTerms(person.value.code, form.effective_from || undefined);
      } catch (error) {
        current.value = null;
        problem.value = error.detail || error.message;
      }
    }

    async function show(who) {
      person.value = who;
      Object.assign(form, blank());
      problem.value = "";
      current.value = null;
      open.value = true;
      listDepartments().then((all) => (departments.value = all), () => (departments.value = []));
      await loadTerms();
      prefill();
    }

    // The terms the form asks for: each field filled in and different from the day's; null with a message key.
    function termsOf() {
      const now = current.value ? current.value.terms : {};
      const terms = {};
      for (const field of fields.value) {
        const text = String(form[field] ?? "").trim();
        if (text === "") continue;
        if (MONEY.includes(field)) {
          const fen = fenOf(text);
          if (fen === null) return { problem: t("validation.yuan", { field: t("terms.fields." + field) }) };
          if (fen !== now[field]) terms[field] = fen;
        } else if (text !== now[field]) terms[field] = text;
      }
      return { terms };
    }

    async function submit() {
      problem.value = "";
      if (!form.effective_from) return (problem.value = t("terms.needDate"));
      if (!form.reason.trim()) return (problem.value = t("terms.needReason"));
      const { terms, problem: bad } = termsOf();
      if (bad) return (problem.value = bad);
      if (form.change_type !== "probation" && !Object.keys(terms).length) return (problem.value = t("terms.needField"));
      saving.value = true;
      try {
        const made = await submitChange(person.value.code, form.change_type, form.effective_from, terms, form.reason.trim());
        ElMessage.success(t("change.submitted", { id: made.id, name: person.value.name }));
        open.value = false;
        emit("submitted", made);
      } catch (error) {
        problem.value = error.detail || error.message;
      } finally {
        saving.value = false;
      }
    }

    watch(() => form.effective_from, loadTerms);
    watch(() => form.change_type, prefill);
    expose({ show });
    return { open, person, form, current, problem, saving, fields, basis, officeChoices, officeDepartments, old, submit, isPhone, CHANGE_TYPES, MONEY };
  },
  template: `
<el-drawer v-model="open" :direction="isPhone ? 'btt' : 'rtl'" :size="isPhone ? '92%' : 'min(480px, 100vw)'" :title="person ? $t('change.title', { name: person.name, code: person.code }) : ''" append-to-body data-test="change-drawer">
  <el-form :model="form" label-position="top" data-test="change-form" @submit.prevent="submit">
    <el-form-item :label="$t('change.type')" required>
      <el-radio-group v-model="form.change_type" data-test="change-type">
        <el-radio-button v-for="k in CHANGE_TYPES" :key="k" :value="k">{{ $t('requests.changeTypes.' + k) }}</el-radio-button>
      </el-radio-group>
    </el-form-item>
    <el-form-item :label="$t('terms.from')" required>
      <el-date-picker v-model="form.effective_from" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" name="change_from" data-test="change-from" />
    </el-form-item>
    <template v-if="form.change_type !== 'transfer'">
      <el-form-item :label="$t('terms.fields.pay_basis')">
        <el-select v-model="form.pay_basis" clearable :placeholder="old('pay_basis')" data-test="change-basis">
          <el-option v-for="b in ['monthly', 'hourly']" :key="b" :value="b" :label="$t('employees.basis.' + b)" />
        </el-select>
      </el-form-item>
      <el-form-item v-for="f in MONEY.filter((m) => m === (basis === 'hourly' ? 'hourly_rate_fen' : 'monthly_salary_fen'))" :key="f" :label="$t('terms.fields.' + f)">
        <el-input v-model="form[f]" :name="'change_' + f" inputmode="decimal" :placeholder="$t('terms.unchanged')"><template #append>{{ $t('employees.yuanUnit') }}</template></el-input>
        <div class="muted" data-test="change-old">{{ $t('change.now', { value: old(f) }) }}</div>
      </el-form-item>
      <p v-if="form.change_type === 'probation'" class="muted" data-test="change-agreed">{{ current && Object.keys(current.agreed_pay).length ? $t('change.agreed') : $t('change.noAgreed') }}</p>
    </template>
    <template v-else>
      <el-form-item :label="$t('terms.fields.office')">
        <el-select v-model="form.office" clearable :placeholder="old('office')" data-test="change-office" @change="form.department = ''">
          <el-option v-for="o in officeChoices" :key="o" :value="o" :label="o" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('terms.fields.department')">
        <el-select v-model="form.department" clearable :placeholder="old('department')" data-test="change-department">
          <el-option v-for="d in officeDepartments" :key="d.code" :value="d.code" :label="'\u3000'.repeat(d.depth) + d.name" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('terms.fields.shift_rule')">
        <el-input v-model="form.shift_rule" name="change_shift_rule" :placeholder="old('shift_rule')" />
      </el-form-item>
    </template>
    <el-form-item :label="$t('terms.reason')" required>
      <el-input v-model="form.reason" name="change_reason" maxlength="1000" :placeholder="$t('terms.reasonHint')" />
    </el-form-item>
  </el-form>
  <el-alert v-if="problem" type="error" :closable="false" show-icon :title="$t('change.refused')" :description="problem" data-test="change-problem" />
  <p class="muted">{{ $t('change.hint') }}</p>
  <div class="button-row drawer-foot">
    <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
    <el-button type="primary" :loading="saving" @click="submit" data-test="change-submit">{{ $t('change.submit') }}</el-button>
  </div>
</el-drawer>`,
};
