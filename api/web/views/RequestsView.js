// 申请管理 (HR, admin; a viewer reads): every request with filters (status, kind, department and the ones below
// it, employee, month), newest first (the API gives at most 500); a row opens its detail with the history. HR and
// admin enter a request on an employee's behalf (the checks are the API's: a refusal is shown as it words it).
import { ElMessage } from "element-plus";
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { listDepartments, treeOrder } from "../api/departments.js";
import { attachmentOf, createRequest, listRequests } from "../api/requests.js";
import { canWrite } from "../auth.js";
import EmployeePicker from "../components/EmployeePicker.js";
import RequestDrawer from "../components/RequestDrawer.js";
import { showError } from "../components/notify.js";
import { requestCells, STATUS_TYPES } from "../components/requestText.js";

const STATUSES = ["pending", "approved", "rejected", "withdrawn"];
const KINDS = ["leave", "overtime", "correction", "trip"];
const LEAVE_TYPES = ["annual", "sick", "personal", "marriage", "maternity", "paternity", "bereavement", "in_lieu"];

const blank = () => ({ employee: "", kind: "leave", leave_type: "annual", starts_at: "", ends_at: "", comp: "pay", direction: "in", reason: "", file: null });

export default {
  components: { EmployeePicker, RequestDrawer },
  setup() {
    const { t, te } = useI18n();
    const filters = reactive({ status: "", kind: "", department: "", employee: "", month: "" });
    const rows = ref([]);
    const departments = ref([]);
    const loading = ref(false);
    const detailId = ref(null);
    const writer = computed(canWrite);
    const creating = ref(false);
    const form = reactive(blank());
    const saving = ref(false);

    async function load() {
      loading.value = true;
      try {
        rows.value = await listRequests({ ...filters });
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function loadDepartments() {
      try {
        const all = await listDepartments();
        const offices = [...new Set(all.map((d) => d.office))].sort();
        departments.value = offices.flatMap((office) => treeOrder(all.filter((d) => d.office === office)));
      } catch (error) {
        showError(error);
      }
    }

    function reset() {
      Object.assign(filters, { status: "", kind: "", department: "", employee: "", month: "" });
      load();
    }

    async function submit() {
      if (!form.employee) return ElMessage.error(t("validation.choose", { field: t("requests.employee") }));
      if (!form.starts_at || (form.kind !== "correction" && !form.ends_at)) return ElMessage.error(t("requests.whenMissing"));
      if (!form.reason.trim()) return ElMessage.error(t("validation.required", { field: t("requests.reason") }));
      const body = { kind: form.kind, employee: form.employee, starts_at: form.starts_at, reason: form.reason.trim() };
      if (form.kind !== "correction") body.ends_at = form.ends_at;
      if (form.kind === "leave") body.leave_type = form.leave_type;
      if (form.kind === "overtime") body.comp = form.comp;
      if (form.kind === "correction") body.direction = form.direction;
      saving.value = true;
      try {
        if (form.kind === "leave" && form.file) body.attachment = await attachmentOf(form.file);
        const made = await createRequest(body);
        ElMessage.success(t("requests.created", { id: made.id, name: made.employee_name }));
        creating.value = false;
        Object.assign(form, blank());
        await load();
      } catch (error) {
        showError(error);
      } finally {
        saving.value = false;
      }
    }

    onMounted(() => Promise.all([load(), loadDepartments()]));
    return {
      filters, rows, departments, loading, detailId, writer, creating, form, saving, STATUSES, KINDS, LEAVE_TYPES, STATUS_TYPES,
      load, reset, submit,
      pickFile: (event) => (form.file = event.target.files[0] || null),
      ...requestCells(t, te),
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('requests.title') }}</h2>
    <el-button v-if="writer" type="primary" @click="creating = true" data-test="request-create">{{ $t('requests.create') }}</el-button>
  </div>
  <el-card shadow="never" class="block">
    <el-form inline class="filter-form" @submit.prevent>
      <el-form-item :label="$t('requests.statusLabel')">
        <el-select v-model="filters.status" clearable class="filter-select" :placeholder="$t('common.all')" data-test="filter-status">
          <el-option v-for="s in STATUSES" :key="s" :value="s" :label="$t('requests.status.' + s)" /></el-select></el-form-item>
      <el-form-item :label="$t('requests.kind')">
        <el-select v-model="filters.kind" clearable class="filter-select" :placeholder="$t('common.all')" data-test="filter-kind">
          <el-option v-for="k in KINDS" :key="k" :value="k" :label="$t('requests.kinds.' + k)" /></el-select></el-form-item>
      <el-form-item :label="$t('requests.department')">
        <el-select v-model="filters.department" clearable filterable class="filter-select" :placeholder="$t('common.all')" data-test="filter-department">
          <el-option v-for="d in departments" :key="d.code" :value="d.code" :label="d.name">
            <span :style="{ paddingLeft: d.depth * 12 + 'px' }">{{ d.name }}</span><span class="muted option-note">{{ d.office }}</span></el-option></el-select></el-form-item>
      <el-form-item :label="$t('requests.employee')"><EmployeePicker v-model="filters.employee" data-test="filter-employee" /></el-form-item>
      <el-form-item :label="$t('requests.month')"><el-date-picker v-model="filters.month" type="month" value-format="YYYY-MM" format="YYYY-MM" data-test="filter-month" /></el-form-item>
      <el-form-item>
        <el-button type="primary" @click="load" data-test="requests-search">{{ $t('common.search') }}</el-button>
        <el-button @click="reset">{{ $t('common.reset') }}</el-button>
      </el-form-item>
    </el-form>
  </el-card>
  <el-table :data="rows" v-loading="loading" data-test="requests" :empty-text="$t('requests.none')" @row-click="(r) => (detailId = r.id)" class="clickable-rows">
    <el-table-column prop="id" label="#" width="64" />
    <el-table-column :label="$t('requests.employee')" min-width="140"><template #default="{ row }">{{ row.employee_name }} <span class="muted">{{ row.employee }}</span></template></el-table-column>
    <el-table-column :label="$t('requests.department')" min-width="100"><template #default="{ row }">{{ row.department || $t('common.none') }}</template></el-table-column>
    <el-table-column :label="$t('requests.kind')" min-width="110"><template #default="{ row }">{{ kind(row) }}</template></el-table-column>
    <el-table-column :label="$t('requests.when')" min-width="190"><template #default="{ row }">{{ span(row) }}</template></el-table-column>
    <el-table-column :label="$t('requests.amount')" min-width="90"><template #default="{ row }">{{ amount(row) || $t('common.none') }}</template></el-table-column>
    <el-table-column :label="$t('requests.statusLabel')" min-width="110"><template #default="{ row }"><el-tag size="small" :type="STATUS_TYPES[row.status]">{{ state(row) }}</el-tag></template></el-table-column>
  </el-table>
  <p class="muted">{{ $t('requests.shown', { n: rows.length }) }}</p>
  <RequestDrawer :request-id="detailId" @close="detailId = null" />

  <el-dialog v-model="creating" :title="$t('requests.createTitle')" width="min(560px, 96vw)" data-test="request-dialog">
    <el-form label-width="auto" @submit.prevent>
      <el-form-item :label="$t('requests.employee')"><EmployeePicker v-model="form.employee" data-test="request-employee" /></el-form-item>
      <el-form-item :label="$t('requests.kind')">
        <el-radio-group v-model="form.kind"><el-radio-button v-for="k in KINDS" :key="k" :value="k">{{ $t('requests.kinds.' + k) }}</el-radio-button></el-radio-group></el-form-item>
      <el-form-item v-if="form.kind === 'leave'" :label="$t('requests.leaveType')">
        <el-select v-model="form.leave_type" data-test="request-leave-type"><el-option v-for="l in LEAVE_TYPES" :key="l" :value="l" :label="$t('requests.leaveTypes.' + l)" /></el-select></el-form-item>
      <el-form-item v-if="form.kind === 'overtime'" :label="$t('requests.comp')">
        <el-radio-group v-model="form.comp"><el-radio-button value="pay">{{ $t('requests.overtimeComp.pay') }}</el-radio-button><el-radio-button value="time_off">{{ $t('requests.overtimeComp.time_off') }}</el-radio-button></el-radio-group></el-form-item>
      <el-form-item v-if="form.kind === 'correction'" :label="$t('requests.direction')">
        <el-radio-group v-model="form.direction"><el-radio-button value="in">{{ $t('requests.correctionDirection.in') }}</el-radio-button><el-radio-button value="out">{{ $t('requests.correctionDirection.out') }}</el-radio-button></el-radio-group></el-form-item>
      <el-form-item :label="form.kind === 'correction' ? $t('requests.punchTime') : $t('requests.starts')">
        <el-date-picker v-model="form.starts_at" type="datetime" value-format="YYYY-MM-DDTHH:mm" format="YYYY-MM-DD HH:mm" data-test="request-starts" /></el-form-item>
      <el-form-item v-if="form.kind !== 'correction'" :label="$t('requests.ends')">
        <el-date-picker v-model="form.ends_at" type="datetime" value-format="YYYY-MM-DDTHH:mm" format="YYYY-MM-DD HH:mm" data-test="request-ends" /></el-form-item>
      <p v-if="form.kind !== 'correction'" class="muted">{{ $t('requests.endHint') }}</p>
      <el-form-item :label="$t('requests.reason')"><el-input v-model="form.reason" type="textarea" :rows="2" maxlength="1000" name="reason" data-test="request-reason" /></el-form-item>
      <el-form-item v-if="form.kind === 'leave'" :label="$t('requests.attachment')"><input type="file" @change="pickFile" data-test="request-file" /></el-form-item>
    </el-form>
    <template #footer>
      <el-button @click="creating = false">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" :loading="saving" @click="submit" data-test="request-submit">{{ $t('common.submit') }}</el-button>
    </template>
  </el-dialog>
</div>`,
};
