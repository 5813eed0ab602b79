// 入职管理 (HR, admin; a viewer reads; a manager the new hires of the departments they manage): applications by
// status (待审批 first), office and department; a row opens its drawer (details, history, the decision); HR, admin
// and managers submit a new hire through the form. The lists and checks are the API's (GET/POST /onboarding).
import { computed, onMounted, reactive, ref } from "vue";
import { listDepartments, treeOrder } from "../api/departments.js";
import { listOnboardings } from "../api/onboarding.js";
import { auth } from "../auth.js";
import OnboardingDrawer from "../components/OnboardingDrawer.js";
import OnboardingForm from "../components/OnboardingForm.js";
import { showError } from "../components/notify.js";
import { knownOffices } from "../components/offices.js";
import { STATUS_TYPES } from "../components/requestText.js";

const STATUSES = ["pending", "approved", "rejected", "withdrawn"];
const SUBMITTERS = ["admin", "hr", "manager"];

// The departments a manager manages and those below them (what the API lets them submit for).
function managedBy(departments, employee) {
  const mine = new Set(departments.filter((d) => d.manager === employee).map((d) => d.code));
  let grown = true;
  while (grown) {
    grown = false;
    for (const d of departments) {
      if (d.parent && mine.has(d.parent) && !mine.has(d.code)) {
        mine.add(d.code);
        grown = true;
      }
    }
  }
  return departments.filter((d) => mine.has(d.code));
}

export default {
  components: { OnboardingDrawer, OnboardingForm },
  setup() {
    const filters = reactive({ status: "pending", office: "", department: "" });
    const rows = ref([]);
    const loading = ref(false);
    const departments = ref([]);
    const offices = ref([]);
    const detailId = ref(null);
    const formRef = ref(null);
    const manager = computed(() => auth.me.role === "manager");
    const submitter = computed(() => SUBMITTERS.includes(auth.me.role));
    const choosable = computed(() => (manager.value ? managedBy(departments.value, auth.me.employee) : departments.value));
    const formOffices = computed(() => (manager.value ? [...new Set(choosable.value.map((d) => d.office))].sort() : offices.value));
    const filterDepartments = computed(() => {
      const shown = filters.office ? choosable.value.filter((d) => d.office === filters.office) : choosable.value;
      const byOffice = [...new Set(shown.map((d) => d.office))].sort();
      return byOffice.flatMap((office) => treeOrder(shown.filter((d) => d.office === office)));
    });

    async function load() {
      loading.value = true;
      try {
        rows.value = await listOnboardings({ ...filters });
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function loadChoices() {
      try {
        departments.value = await listDepartments();
        offices.value = manager.value ? formOffices.value : await knownOffices();
      } catch (error) {
        showError(error);
      }
    }

    function submitted(made) {
      filters.status = "pending";
      load();
      detailId.value = made.id;
    }

    function setStatus(status) {
      filters.status = status;
      load();
    }

    function officeChanged() {
      filters.department = "";
      load();
    }

    onMounted(() => Promise.all([load(), loadChoices()]));
    return {
      filters, rows, loading, offices, formOffices, choosable, filterDepartments, detailId, formRef, submitter,
      STATUSES, STATUS_TYPES, load, submitted, setStatus, officeChanged,
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('onboarding.title') }}</h2>
    <el-button v-if="submitter" type="primary" @click="formRef.show()" data-test="onboarding-create">{{ $t('onboarding.create') }}</el-button>
  </div>
  <el-card shadow="never" class="block">
    <el-form inline class="filter-form" @submit.prevent>
      <el-form-item :label="$t('onboarding.statusLabel')">
        <el-radio-group :model-value="filters.status" @change="setStatus" data-test="filter-status">
          <el-radio-button value="">{{ $t('common.all') }}</el-radio-button>
          <el-radio-button v-for="s in STATUSES" :key="s" :value="s">{{ $t('onboarding.status.' + s) }}</el-radio-button>
        </el-radio-group></el-form-item>
      <el-form-item :label="$t('onboarding.office')">
        <el-select v-model="filters.office" clearable class="filter-select" :placeholder="$t('common.all')" @change="officeChanged" data-test="filter-office">
          <el-option v-for="o in offices" :key="o" :value="o" :label="o" /></el-select></el-form-item>
      <el-form-item :label="$t('onboarding.department')">
        <el-select v-model="filters.department" clearable filterable class="filter-select" :placeholder="$t('common.all')" @change="load" data-test="filter-department">
          <el-option v-for="d in filterDepartments" :key="d.code" :value="d.code" :label="d.name">
            <span :style="{ paddingLeft: d.depth * 12 + 'px' }">{{ d.name }}</span><span class="muted option-note">{{ d.office }}</span></el-option></el-select></el-form-item>
    </el-form>
  </el-card>
  <el-table :data="rows" v-loading="loading" data-test="onboardings" :empty-text="$t('onboarding.none')" @row-click="(r) => (detailId = r.id)" class="clickable-rows">
    <el-table-column prop="id" label="#" width="64" />
    <el-table-column :label="$t('onboarding.name')" min-width="120" prop="name" />
    <el-table-column :label="$t('onboarding.office')" min-width="120" prop="office" />
    <el-table-column :label="$t('onboarding.department')" min-width="100"><template #default="{ row }">{{ row.department_name || $t('common.none') }}</template></el-table-column>
    <el-table-column :label="$t('onboarding.position')" min-width="100" prop="position" />
    <el-table-column :label="$t('onboarding.hiredOn')" min-width="110" prop="hired_on" />
    <el-table-column :label="$t('onboarding.employeeCode')" min-width="90"><template #default="{ row }">{{ row.status === 'approved' ? row.employee_code : $t('common.none') }}</template></el-table-column>
    <el-table-column :label="$t('onboarding.statusLabel')" min-width="90"><template #default="{ row }"><el-tag size="small" :type="STATUS_TYPES[row.status]">{{ $t('onboarding.status.' + row.status) }}</el-tag></template></el-table-column>
  </el-table>
  <p class="muted">{{ $t('onboarding.shown', { n: rows.length }) }}</p>
  <OnboardingDrawer :onboarding-id="detailId" @close="detailId = null" @changed="load" />
  <OnboardingForm v-if="submitter" ref="formRef" :offices="formOffices" :departments="choosable" @submitted="submitted" />
</div>`,
};
