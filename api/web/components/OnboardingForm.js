// A new hire submitted for HQ's approval (入职申请), in a dialog: every field the API takes, amounts typed in yuan
// (two decimals, sent as integer fen through format.fenOf), the ID document's type and number. The form checks
// what it can before sending (required fields, amounts); the API's 422 names each refused field, shown under it,
// and nothing is stored. A manager chooses among the departments they manage (and those below them).
import { ElMessage } from "element-plus";
import { computed, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { submitOnboarding } from "../api/onboarding.js";
import { treeOrder } from "../api/departments.js";
import { fenOf } from "../format.js";
import { ID_TYPES, PAY_BASES } from "./EmployeeDrawer.js";
import { fieldErrors } from "./onboardingFields.js";
import { showError } from "./notify.js";

const FIELDS = [
  "name", "office", "department", "position", "hired_on", "pay_basis", "salary", "hourly", "probation_months",
  "probation_salary", "shift_rule", "id_type", "id_number", "mobile", "email", "employee_code", "pin",
];

const blank = () => ({
  name: "", office: "", department: "", position: "", hired_on: "", pay_basis: "monthly", salary: "", hourly: "",
  probation_months: 0, probation_salary: "", shift_rule: "", id_type: "resident_id", id_number: "", mobile: "",
  email: "", employee_code: "", pin: "",
});

const orNull = (text) => (text.trim() === "" ? null : text.trim());

// The API's body from the form (amounts already checked by the rules).
function bodyOf(form) {
  const probation = form.probation_months > 0 && form.pay_basis !== "piece" && form.probation_salary.trim() !== "";
  return {
    name: form.name.trim(), office: form.office, department: form.department || null, position: form.position.trim(),
    hired_on: form.hired_on, pay_basis: form.pay_basis,
    monthly_salary_fen: form.pay_basis === "monthly" ? fenOf(form.salary) : null,
    hourly_rate_fen: form.pay_basis === "hourly" ? fenOf(form.hourly) : null,
    probation_months: form.probation_months, probation_salary_fen: probation ? fenOf(form.probation_salary) : null,
    shift_rule: orNull(form.shift_rule), id_type: form.id_type, id_number: form.id_number.trim(),
    mobile: orNull(form.mobile), email: orNull(form.email), employee_code: orNull(form.employee_code), pin: orNull(form.pin),
  };
}

export default {
  props: {
    offices: { type: Array, required: true },
    departments: { type: Array, required: true }, // the departments the caller may choose
  },
  emits: ["submitted"],
  setup(props, { emit, expose }) {
    const { t } = useI18n();
    const open = ref(false);
    const form = reactive(blank());
    const formRef = ref(null);
    const saving = ref(false);
    const serverErrors = reactive({}); // form field -> the API's message
    const general = ref([]); // the API's lines that name no field of the form
    const officeDepartments = computed(() => treeOrder(props.departments.filter((d) => d.office === form.office)));

    const required = (field, trigger = "blur") => ({ required: true, message: t("validation.required", { field: t(field) }), trigger });
    const amount = (field, needed) => ({
      trigger: "blur",
      validator: (_rule, value, done) => {
        if (!needed() && value.trim() === "") return done();
        return done(fenOf(value) === null ? new Error(t("validation.yuan", { field: t(field) })) : undefined);
      },
    });
    const rules = computed(() => ({
      name: [required("onboarding.name")],
      office: [{ required: true, message: t("validation.choose", { field: t("onboarding.office") }), trigger: "change" }],
      position: [required("onboarding.position")],
      hired_on: [required("onboarding.hiredOn", "change")],
      salary: [amount("onboarding.salary", () => form.pay_basis === "monthly")],
      hourly: [amount("onboarding.hourly", () => form.pay_basis === "hourly")],
      probation_salary: [amount("onboarding.probationSalary", () => false)],
      id_number: [required("onboarding.idNumber")],
    }));

    function clearServer() {
      for (const key of Object.keys(serverErrors)) delete serverErrors[key];
      general.value = [];
    }

    function show() {
      Object.assign(form, blank());
      if (props.offices.length === 1) form.office = props.offices[0];
      clearServer();
      open.value = true;
      setTimeout(() => formRef.value && formRef.value.clearValidate(), 0);
    }

    async function submit() {
      clearServer();
      if (!(await formRef.value.validate().catch(() => false))) return;
      saving.value = true;
      try {
        const made = await submitOnboarding(bodyOf(form));
        ElMessage.success(t("onboarding.submitted", { id: made.id, name: made.name }));
        open.value = false;
        emit("submitted", made);
      } catch (error) {
        if (error.status === 422 && error.rows.length) {
          const { fields, general: rest } = fieldErrors(error.rows, FIELDS);
          Object.assign(serverErrors, fields);
          general.value = rest;
          ElMessage.error(t("onboarding.fixFields"));
        } else {
          showError(error);
        }
      } finally {
        saving.value = false;
      }
    }

    expose({ show });
    return { open, form, formRef, rules, saving, serverErrors, general, officeDepartments, submit, PAY_BASES, ID_TYPES };
  },
  template: `
<el-dialog v-model="open" :title="$t('onboarding.formTitle')" width="min(640px, 100vw)" class="onboarding-dialog" data-test="onboarding-dialog">
  <el-alert v-if="general.length" type="error" :closable="false" show-icon :title="$t('onboarding.refused')" class="block" data-test="onboarding-general">
    <div v-for="(line, i) in general" :key="i">{{ line }}</div>
  </el-alert>
  <el-form ref="formRef" :model="form" :rules="rules" label-width="auto" label-position="top" class="onboarding-form" @submit.prevent data-test="onboarding-form">
    <h4 class="section-title">{{ $t('onboarding.sectionPerson') }}</h4>
    <el-form-item :label="$t('onboarding.name')" prop="name" :error="serverErrors.name"><el-input v-model="form.name" name="name" maxlength="100" /></el-form-item>
    <el-form-item :label="$t('onboarding.idType')" prop="id_type" :error="serverErrors.id_type">
      <el-select v-model="form.id_type" data-test="onboarding-id-type"><el-option v-for="k in ID_TYPES" :key="k" :value="k" :label="$t('employees.idTypes.' + k)" /></el-select></el-form-item>
    <el-form-item :label="$t('onboarding.idNumber')" prop="id_number" :error="serverErrors.id_number"><el-input v-model="form.id_number" name="id_number" maxlength="40" /></el-form-item>
    <el-form-item :label="$t('onboarding.mobile')" prop="mobile" :error="serverErrors.mobile"><el-input v-model="form.mobile" name="mobile" inputmode="tel" maxlength="20" /></el-form-item>
    <el-form-item :label="$t('onboarding.email')" prop="email" :error="serverErrors.email"><el-input v-model="form.email" name="email" inputmode="email" maxlength="320" :placeholder="$t('onboarding.emailHint')" /></el-form-item>
    <h4 class="section-title">{{ $t('onboarding.sectionJob') }}</h4>
    <el-form-item :label="$t('onboarding.office')" prop="office" :error="serverErrors.office">
      <el-select v-model="form.office" data-test="onboarding-office" @change="form.department = ''"><el-option v-for="o in offices" :key="o" :value="o" :label="o" /></el-select></el-form-item>
    <el-form-item :label="$t('onboarding.department')" prop="department" :error="serverErrors.department">
      <el-select v-model="form.department" clearable :disabled="!form.office" :placeholder="$t('onboarding.noDepartment')" data-test="onboarding-department">
        <el-option v-for="d in officeDepartments" :key="d.code" :value="d.code" :label="'\u3000'.repeat(d.depth) + d.name" /></el-select></el-form-item>
    <el-form-item :label="$t('onboarding.position')" prop="position" :error="serverErrors.position"><el-input v-model="form.position" name="position" maxlength="100" :placeholder="$t('onboarding.positionHint')" /></el-form-item>
    <el-form-item :label="$t('onboarding.hiredOn')" prop="hired_on" :error="serverErrors.hired_on">
      <el-date-picker v-model="form.hired_on" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" name="hired_on" /></el-form-item>
    <el-form-item :label="$t('onboarding.shift')" prop="shift_rule" :error="serverErrors.shift_rule"><el-input v-model="form.shift_rule" name="shift_rule" :placeholder="$t('employees.shiftHint')" /></el-form-item>
    <h4 class="section-title">{{ $t('onboarding.sectionPay') }}</h4>
    <el-form-item :label="$t('onboarding.payBasis')" prop="pay_basis" :error="serverErrors.pay_basis">
      <el-radio-group v-model="form.pay_basis"><el-radio-button v-for="b in PAY_BASES" :key="b" :value="b">{{ $t('employees.basis.' + b) }}</el-radio-button></el-radio-group></el-form-item>
    <el-form-item v-if="form.pay_basis === 'monthly'" :label="$t('onboarding.salary')" prop="salary" :error="serverErrors.salary">
      <el-input v-model="form.salary" name="salary" inputmode="decimal"><template #append>{{ $t('employees.yuanUnit') }}</template></el-input></el-form-item>
    <el-form-item v-if="form.pay_basis === 'hourly'" :label="$t('onboarding.hourly')" prop="hourly" :error="serverErrors.hourly">
      <el-input v-model="form.hourly" name="hourly" inputmode="decimal"><template #append>{{ $t('employees.yuanPerHour') }}</template></el-input></el-form-item>
    <el-form-item :label="$t('onboarding.probationMonths')" prop="probation_months" :error="serverErrors.probation_months">
      <el-input-number v-model="form.probation_months" :min="0" :max="6" :step="1" step-strictly name="probation_months" data-test="onboarding-probation-months" /></el-form-item>
    <el-form-item v-if="form.probation_months > 0 && form.pay_basis !== 'piece'" :label="$t('onboarding.probationSalary')" prop="probation_salary" :error="serverErrors.probation_salary">
      <el-input v-model="form.probation_salary" name="probation_salary" inputmode="decimal" :placeholder="$t('onboarding.probationHint')">
        <template #append>{{ form.pay_basis === 'hourly' ? $t('employees.yuanPerHour') : $t('employees.yuanUnit') }}</template></el-input></el-form-item>
    <h4 class="section-title">{{ $t('onboarding.sectionBadge') }}</h4>
    <el-form-item :label="$t('onboarding.employeeCode')" prop="employee_code" :error="serverErrors.employee_code"><el-input v-model="form.employee_code" name="employee_code" maxlength="32" :placeholder="$t('onboarding.autoHint')" /></el-form-item>
    <el-form-item :label="$t('onboarding.pin')" prop="pin" :error="serverErrors.pin"><el-input v-model="form.pin" name="pin" inputmode="numeric" maxlength="9" :placeholder="$t('onboarding.autoHint')" /></el-form-item>
  </el-form>
  <template #footer>
    <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
    <el-button type="primary" :loading="saving" @click="submit" data-test="onboarding-submit">{{ $t('onboarding.submit') }}</el-button>
  </template>
</el-dialog>`,
};
