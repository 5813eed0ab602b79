// Create or edit one employee in a drawer: the record (office, shift, dates, pay basis and salary in yuan, ID
// document), then — once it exists — its bank account and badges, each saved on its own (one request each, so
// nothing is half written). The department (of the chosen office) is saved right after the record, through the
// department's members endpoint; if that step is refused, the drawer says so and the record stays saved. Salaries are typed in yuan and sent as integer fen (format.fenOf, no float).
// 发起变动 opens the personnel-change form (转正, 调薪, 调动 as a request the manager and HR approve).
import { ElMessage, ElMessageBox } from "element-plus";
import { computed, reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRouter } from "vue-router";
import {
  addBadge, createEmployee, getBankAccount, getEmployee, getFingerprints, getTerminalAccess, removeBadge, setBankAccount, updateBadge,
  updateEmployee,
} from "../api/employees.js";
import { listDepartments, moveIntoDepartment, treeOrder } from "../api/departments.js";
import { listRequests } from "../api/requests.js";
import { resignationOf } from "../api/resignations.js";
import { dateTime, fenOf, yuanInput } from "../format.js";
import { zoneOf } from "../zones.js";
import ChangeForm from "./ChangeForm.js";
import EmployeeHistory from "./EmployeeHistory.js";
import { showError } from "./notify.js";

export const PAY_BASES = ["monthly", "hourly", "piece"];
export const ID_TYPES = ["resident_id", "residence_permit", "passport", "hk_macao_permit", "taiwan_permit", "foreign_permanent_residence"];
const CODE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const PIN = /^[A-Za-z0-9]{1,24}$/;
const CARD = /^[0-9]{0,10}$/; // a ZK card: at most 10 digits (the server also refuses more than 4294967295)
export const DEVICE_PRIVILEGES = ["user", "admin"];

function blank() {
  return {
    code: "", name: "", office: "", shift_rule: "", hired_on: "", left_on: "", pay_basis: "monthly",
    salary: "", hourly: "", deductions: "0", si_city: "", id_type: "", id_number: "", department: "",
  };
}

function formOf(employee) {
  return {
    code: employee.code, name: employee.name, office: employee.office || "", shift_rule: employee.shift_rule || "",
    hired_on: employee.hired_on || "", left_on: employee.left_on || "", pay_basis: employee.pay_basis,
    salary: yuanInput(employee.monthly_salary_fen), hourly: yuanInput(employee.hourly_rate_fen),
    deductions: yuanInput(employee.special_deductions_fen), si_city: employee.si_city || "",
    id_type: employee.id_type || "", id_number: employee.id_number || "", department: employee.department || "",
  };
}

const orNull = (value) => (value === "" ? null : value);

// The API's fields from the form (amounts already checked by the form's rules).
function fieldsOf(form) {
  return {
    name: form.name.trim(), office: orNull(form.office), shift_rule: orNull(form.shift_rule.trim()),
    hired_on: orNull(form.hired_on), left_on: orNull(form.left_on), pay_basis: form.pay_basis,
    monthly_salary_fen: form.pay_basis === "monthly" ? fenOf(form.salary) : null,
    hourly_rate_fen: form.pay_basis === "hourly" ? fenOf(form.hourly) : null,
    special_deductions_fen: fenOf(form.deductions) ?? 0, si_city: orNull(form.si_city.trim()),
    id_type: orNull(form.id_type), id_number: orNull(form.id_number.trim()),
  };
}

export default {
  components: { ChangeForm, EmployeeHistory },
  props: { offices: { type: Array, required: true }, writer: { type: Boolean, required: true } },
  emits: ["saved"],
  setup(props, { emit, expose }) {
    const { t } = useI18n();
    const open = ref(false);
    const tab = ref("record");
    const employee = ref(null); // null while creating
    const form = reactive(blank());
    const formRef = ref(null);
    const bank = reactive({ bank_name: "", account_no: "", account_name: "" });
    const bankRef = ref(null);
    const badge = reactive({ pin: "", device_sn: "", card: "", device_privilege: "user" });
    const access = ref([]); // GET /employees/{code}/terminal-access: where each badge was written and removed
    const fingers = ref(null); // GET /employees/{code}/fingerprints: fingers stored and held per terminal (counts)
    const edits = reactive({}); // badge id -> { card, device_privilege } being edited in the table
    const saving = ref(false);
    const departments = ref([]);
    const departmentProblem = ref(""); // why the last department step was refused, shown in the drawer
    const officeDepartments = computed(() => treeOrder(departments.value.filter((d) => d.office === form.office)));

    const required = (field) => ({ required: true, message: t("validation.required", { field: t(field) }), trigger: "blur" });
    const amount = (field, needed) => ({
      trigger: "blur",
      validator: (_rule, value, done) => {
        if (!needed() && value === "") return done();
        if (fenOf(value) === null) return done(new Error(t("validation.yuan", { field: t(field) })));
        return done();
      },
    });
    const rules = computed(() => ({
      code: [required("employees.code"), { pattern: CODE, message: t("validation.code"), trigger: "blur" }],
      name: [required("employees.name")],
      salary: [amount("employees.salary", () => form.pay_basis === "monthly")],
      hourly: [amount("employees.hourly", () => form.pay_basis === "hourly")],
      deductions: [amount("employees.deductions", () => true)],
      shift_rule: [{ validator: (_r, v, done) => done(v && !form.office ? new Error(t("validation.shiftNeedsOffice")) : undefined), trigger: "blur" }],
      left_on: [{ validator: (_r, v, done) => done(v && form.hired_on && v < form.hired_on ? new Error(t("validation.leftBeforeHired")) : undefined), trigger: "change" }],
      id_number: [{ validator: (_r, v, done) => done(Boolean(v) !== Boolean(form.id_type) ? new Error(t("validation.idPair")) : undefined), trigger: "blur" }],
    }));
    const bankRules = computed(() => ({
      bank_name: [required("employees.bankName")],
      account_no: [required("employees.accountNo"), { pattern: /^(\d ?){8,32}$/, message: t("validation.accountNo"), trigger: "blur" }],
      account_name: [required("employees.accountName")],
    }));

    async function loadBank(code) {
      Object.assign(bank, { bank_name: "", account_no: "", account_name: "" });
      try {
        Object.assign(bank, await getBankAccount(code));
      } catch (error) {
        if (error.status !== 404) showError(error);
      }
    }

    function show(existing) {
      employee.value = existing || null;
      Object.assign(form, existing ? formOf(existing) : blank());
      Object.assign(badge, { pin: "", device_sn: "", card: "", device_privilege: "user" });
      tab.value = "record";
      departmentProblem.value = "";
      open.value = true;
      listDepartments().then((all) => (departments.value = all), showError);
      if (existing) loadBank(existing.code);
      access.value = [];
      fingers.value = null;
      if (existing) loadAccess();
      leaving.value = null;
      if (existing && existing.left_on) getEmployee(existing.code).then((e) => (leaving.value = e), showError);
      setTimeout(() => formRef.value && formRef.value.clearValidate(), 0);
    }

    async function refresh() {
      employee.value = await getEmployee(employee.value.code);
      await loadAccess();
      emit("saved");
    }

    // The badges' card and privilege as editable copies, and the terminal-access rows (a failure to read them
    // leaves the list empty: the badges themselves are still shown and editable).
    async function loadAccess() {
      for (const key of Object.keys(edits)) delete edits[key];
      for (const b of employee.value.badges) edits[b.id] = { card: b.card || "", device_privilege: b.device_privilege };
      try {
        access.value = await getTerminalAccess(employee.value.code);
      } catch {
        access.value = [];
      }
      try {
        fingers.value = await getFingerprints(employee.value.code);
      } catch {
        fingers.value = null;
      }
    }
    // How many of the employee's fingers terminal `device` holds ("—" before any template copy saw it).
    const fingersOn = (device) => {
      const held = fingers.value && fingers.value.terminals.find((t) => t.device === device);
      return held ? held.count : "—";
    };

    const when = (value) => dateTime(value, zoneOf(employee.value && employee.value.office));
    const changeForm = ref(null);
    const startChange = () => changeForm.value.show({ code: employee.value.code, name: employee.value.name });

    // A leaver: when their login closes (GET /employees/{code}), and their resignation's 离职结算单.
    const router = useRouter();
    const leaving = ref(null);
    async function openSettlement() {
      try {
        const found = resignationOf(await listRequests({ kind: "resignation", employee: employee.value.code }));
        if (!found) return ElMessage.info(t("settlement.noResignation"));
        router.push({ name: "settlement", params: { id: found.id } });
      } catch (error) {
        showError(error);
      }
    }

    async function saveAccess(row) {
      const edit = edits[row.id];
      if (!CARD.test(edit.card.trim())) return ElMessage.error(t("badgeAccess.cardInvalid"));
      try {
        await updateBadge(employee.value.code, row.id, edit.card.trim(), edit.device_privilege);
        ElMessage.success(t("badgeAccess.saved", { pin: row.pin }));
        await refresh();
      } catch (error) {
        showError(error);
      }
    }

    // The second step of a save: move the employee into the chosen department when it changed. A refusal is
    // kept on screen (the record itself is saved; choose again and save to retry).
    async function saveDepartment() {
      departmentProblem.value = "";
      if (!form.department || form.department === employee.value.department) return;
      try {
        await moveIntoDepartment(form.department, [employee.value.code]);
        employee.value = await getEmployee(employee.value.code);
      } catch (error) {
        departmentProblem.value = error.detail || error.message;
      }
    }

    async function save() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      saving.value = true;
      try {
        const fields = fieldsOf(form);
        const creating = !employee.value;
        if (creating) {
          employee.value = await createEmployee({ code: form.code.trim(), ...fields });
          ElMessage.success(t("employees.created", { name: employee.value.name }));
          loadBank(employee.value.code);
        } else {
          employee.value = await updateEmployee(employee.value.code, fields);
          ElMessage.success(t("employees.saved", { name: employee.value.name }));
        }
        await saveDepartment();
        if (creating && !departmentProblem.value) tab.value = "bank";
        emit("saved");
      } catch (error) {
        showError(error);
      } finally {
        saving.value = false;
      }
    }

    async function saveBank() {
      if (!(await bankRef.value.validate().catch(() => false))) return;
      try {
        Object.assign(bank, await setBankAccount(employee.value.code, { ...bank, account_no: bank.account_no.replace(/ /g, "") }));
        ElMessage.success(t("employees.bankSaved"));
        emit("saved");
      } catch (error) {
        showError(error);
      }
    }

    async function addPin() {
      if (!PIN.test(badge.pin.trim())) return ElMessage.error(t("validation.pin"));
      if (!CARD.test(badge.card.trim())) return ElMessage.error(t("badgeAccess.cardInvalid"));
      try {
        const added = await addBadge(employee.value.code, badge.pin.trim(), badge.device_sn.trim(), badge.card.trim(), badge.device_privilege);
        ElMessage.success(t("employees.badgeAdded", { pin: added.badge.pin, n: added.remapped_punches }));
        Object.assign(badge, { pin: "", device_sn: "", card: "", device_privilege: "user" });
        await refresh();
      } catch (error) {
        showError(error);
      }
    }

    async function dropPin(row) {
      try {
        await ElMessageBox.confirm(t("employees.badgeRemoveConfirm", { pin: row.pin }), t("employees.badgeRemove"), { type: "warning" });
      } catch {
        return;
      }
      try {
        await removeBadge(employee.value.code, row.id);
        ElMessage.success(t("employees.badgeRemoved", { pin: row.pin }));
        await refresh();
      } catch (error) {
        showError(error);
      }
    }

    watch(() => form.pay_basis, () => formRef.value && formRef.value.clearValidate(["salary", "hourly"]));
    expose({ show });
    return { open, tab, employee, form, formRef, rules, departments, officeDepartments, departmentProblem, bank, bankRef, bankRules, badge, saving, save, saveBank, addPin, dropPin, PAY_BASES, ID_TYPES, access, fingers, fingersOn, edits, saveAccess, when, DEVICE_PRIVILEGES, leaving, openSettlement, changeForm, startChange };
  },
  template: `
<el-drawer v-model="open" :title="employee ? $t('employees.editTitle', { name: employee.name, code: employee.code }) : $t('employees.createTitle')" size="min(560px, 100vw)" data-test="employee-drawer">
  <div v-if="leaving && leaving.login_closes_on" class="leaver-note block" data-test="leaver-note">
    <el-tag :type="leaving.login_closed ? 'info' : 'warning'" data-test="login-closing">{{ $t(leaving.login_closed ? 'settlement.loginClosed' : 'settlement.loginCloses', { day: leaving.login_closes_on }) }}</el-tag>
    <el-button link type="primary" @click="openSettlement" data-test="employee-settlement">{{ $t('settlement.open') }}</el-button>
  </div>
  <div v-if="employee && writer" class="button-row block"><el-button type="primary" plain @click="startChange" data-test="employee-change">{{ $t('change.start') }}</el-button></div>
  <ChangeForm ref="changeForm" :offices="offices" />
  <el-tabs v-model="tab">
    <el-tab-pane :label="$t('employees.tabRecord')" name="record">
      <el-form ref="formRef" :model="form" :rules="rules" label-width="auto" :disabled="!writer" data-test="employee-form">
        <el-form-item :label="$t('employees.code')" prop="code"><el-input v-model="form.code" :disabled="Boolean(employee)" name="code" maxlength="32" /></el-form-item>
        <el-form-item :label="$t('employees.name')" prop="name"><el-input v-model="form.name" name="name" maxlength="100" /></el-form-item>
        <el-form-item :label="$t('employees.office')" prop="office">
          <el-select v-model="form.office" clearable :placeholder="$t('employees.noOffice')" data-test="employee-office" @change="form.department = ''">
            <el-option v-for="o in offices" :key="o" :value="o" :label="o" />
          </el-select>
        </el-form-item>
        <el-form-item :label="$t('employees.department')" prop="department">
          <el-select v-model="form.department" :disabled="!form.office" :placeholder="form.office ? $t('employees.noDepartment') : $t('employees.departmentNeedsOffice')" data-test="employee-department">
            <el-option v-for="d in officeDepartments" :key="d.code" :value="d.code" :label="'\u3000'.repeat(d.depth) + d.name" />
          </el-select>
        </el-form-item>
        <el-form-item :label="$t('employees.shift')" prop="shift_rule"><el-input v-model="form.shift_rule" name="shift_rule" :placeholder="$t('employees.shiftHint')" /></el-form-item>
        <el-form-item :label="$t('employees.hiredOn')" prop="hired_on"><el-date-picker v-model="form.hired_on" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" /></el-form-item>
        <el-form-item :label="$t('employees.leftOn')" prop="left_on"><el-date-picker v-model="form.left_on" type="date" value-format="YYYY-MM-DD" format="YYYY-MM-DD" /></el-form-item>
        <el-form-item :label="$t('employees.payBasis')" prop="pay_basis">
          <el-radio-group v-model="form.pay_basis"><el-radio-button v-for="b in PAY_BASES" :key="b" :value="b">{{ $t('employees.basis.' + b) }}</el-radio-button></el-radio-group>
        </el-form-item>
        <el-form-item v-if="form.pay_basis === 'monthly'" :label="$t('employees.salary')" prop="salary"><el-input v-model="form.salary" name="salary" inputmode="decimal"><template #append>{{ $t('employees.yuanUnit') }}</template></el-input></el-form-item>
        <el-form-item v-if="form.pay_basis === 'hourly'" :label="$t('employees.hourly')" prop="hourly"><el-input v-model="form.hourly" name="hourly" inputmode="decimal"><template #append>{{ $t('employees.yuanPerHour') }}</template></el-input></el-form-item>
        <el-form-item :label="$t('employees.deductions')" prop="deductions"><el-input v-model="form.deductions" name="deductions" inputmode="decimal"><template #append>{{ $t('employees.yuanUnit') }}</template></el-input></el-form-item>
        <el-form-item :label="$t('employees.siCity')" prop="si_city"><el-input v-model="form.si_city" name="si_city" :placeholder="$t('employees.siCityHint')" /></el-form-item>
        <el-form-item :label="$t('employees.idType')" prop="id_type">
          <el-select v-model="form.id_type" clearable>
            <el-option v-for="k in ID_TYPES" :key="k" :value="k" :label="$t('employees.idTypes.' + k)" />
          </el-select>
        </el-form-item>
        <el-form-item :label="$t('employees.idNumber')" prop="id_number"><el-input v-model="form.id_number" name="id_number" maxlength="40" /></el-form-item>
      </el-form>
      <el-alert v-if="departmentProblem" type="error" :closable="false" show-icon :title="$t('employees.departmentFailed')" :description="departmentProblem" data-test="department-problem" />
      <div v-if="writer" class="button-row drawer-foot">
        <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
        <el-button type="primary" :loading="saving" @click="save" data-test="employee-save">{{ $t('common.save') }}</el-button>
      </div>
    </el-tab-pane>
    <el-tab-pane :label="$t('employees.tabBank')" name="bank" :disabled="!employee">
      <el-form ref="bankRef" :model="bank" :rules="bankRules" label-width="auto" :disabled="!writer">
        <el-form-item :label="$t('employees.bankName')" prop="bank_name"><el-input v-model="bank.bank_name" name="bank_name" :placeholder="$t('employees.bankNameHint')" /></el-form-item>
        <el-form-item :label="$t('employees.accountNo')" prop="account_no"><el-input v-model="bank.account_no" name="account_no" inputmode="numeric" /></el-form-item>
        <el-form-item :label="$t('employees.accountName')" prop="account_name"><el-input v-model="bank.account_name" name="account_name" /></el-form-item>
      </el-form>
      <p class="muted">{{ $t('employees.bankHint') }}</p>
      <div v-if="writer" class="button-row drawer-foot"><el-button type="primary" @click="saveBank" data-test="bank-save">{{ $t('employees.bankSave') }}</el-button></div>
    </el-tab-pane>
    <el-tab-pane :label="$t('employees.tabBadges')" name="badges" :disabled="!employee">
      <el-table v-if="employee" :data="employee.badges" :empty-text="$t('employees.noBadges')" data-test="badges">
        <el-table-column :label="$t('employees.pin')" prop="pin" />
        <el-table-column :label="$t('employees.badgeDevice')"><template #default="{ row }">{{ row.device_sn || $t('employees.anyDevice') }}</template></el-table-column>
        <el-table-column :label="$t('badgeAccess.card')" min-width="120"><template #default="{ row }">
          <el-input v-if="writer && edits[row.id]" v-model="edits[row.id].card" name="badge_card" inputmode="numeric" size="small" :placeholder="$t('badgeAccess.noCard')" />
          <span v-else>{{ row.card || $t('badgeAccess.noCard') }}</span>
        </template></el-table-column>
        <el-table-column :label="$t('badgeAccess.privilege')" min-width="110"><template #default="{ row }">
          <el-select v-if="writer && edits[row.id]" v-model="edits[row.id].device_privilege" size="small" data-test="badge-privilege">
            <el-option v-for="p in DEVICE_PRIVILEGES" :key="p" :value="p" :label="$t('badgeAccess.privileges.' + p)" />
          </el-select>
          <span v-else>{{ $t('badgeAccess.privileges.' + row.device_privilege) }}</span>
        </template></el-table-column>
        <el-table-column v-if="writer" width="70"><template #default="{ row }"><el-button link type="primary" @click="saveAccess(row)" data-test="badge-save">{{ $t('badgeAccess.save') }}</el-button></template></el-table-column>
        <el-table-column v-if="writer" :label="$t('common.actions')" width="90"><template #default="{ row }"><el-button link type="danger" @click="dropPin(row)">{{ $t('common.delete') }}</el-button></template></el-table-column>
      </el-table>
      <el-form v-if="writer" inline class="block badge-form" @submit.prevent="addPin">
        <el-form-item :label="$t('employees.pin')"><el-input v-model="badge.pin" name="pin" class="code-input" /></el-form-item>
        <el-form-item :label="$t('employees.badgeDevice')"><el-input v-model="badge.device_sn" name="badge_device" class="code-input" :placeholder="$t('employees.anyDevice')" /></el-form-item>
        <el-form-item :label="$t('badgeAccess.card')"><el-input v-model="badge.card" name="new_badge_card" class="code-input" inputmode="numeric" :placeholder="$t('badgeAccess.noCard')" /></el-form-item>
        <el-form-item :label="$t('badgeAccess.privilege')"><el-select v-model="badge.device_privilege" class="code-input"><el-option v-for="p in DEVICE_PRIVILEGES" :key="p" :value="p" :label="$t('badgeAccess.privileges.' + p)" /></el-select></el-form-item>
        <el-form-item><el-button type="primary" @click="addPin" data-test="badge-add">{{ $t('employees.badgeAdd') }}</el-button></el-form-item>
      </el-form>
      <p class="muted">{{ $t('employees.badgeHint') }} {{ $t('badgeAccess.hint') }}</p>
      <h4>{{ $t('badgeAccess.title') }}</h4>
      <p v-if="fingers" data-test="fingerprints">{{ $t('badgeAccess.fingerprints', { n: fingers.stored, terminals: fingers.synced_terminals }) }}</p>
      <el-table :data="access" :empty-text="$t('badgeAccess.none')" data-test="terminal-access">
        <el-table-column :label="$t('employees.pin')" prop="pin" width="80" />
        <el-table-column :label="$t('badgeAccess.device')"><template #default="{ row }">{{ row.device }}</template></el-table-column>
        <el-table-column :label="$t('badgeAccess.fingersHeld')" width="90"><template #default="{ row }">{{ fingersOn(row.device) }}</template></el-table-column>
        <el-table-column :label="$t('badgeAccess.added')"><template #default="{ row }">{{ when(row.written_at) }}</template></el-table-column>
        <el-table-column :label="$t('badgeAccess.removed')"><template #default="{ row }">{{ row.removed_at ? when(row.removed_at) + ' · ' + $t('badgeAccess.reasons.' + row.removal_reason) : '—' }}</template></el-table-column>
      </el-table>
    </el-tab-pane>
    <el-tab-pane :label="$t('terms.tab')" name="history" :disabled="!employee" lazy>
      <EmployeeHistory v-if="employee" :code="employee.code" :office="employee.office" :writer="writer" :offices="offices" @changed="refresh" />
    </el-tab-pane>
  </el-tabs>
</el-drawer>`,
};
