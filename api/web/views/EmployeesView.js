// Employees: search (code, name) and filters (office, pay basis, employed or left) above a paged list; create and
// edit in a drawer; the employee's login activation code shown once; the Excel template, import and export.
// The API filters by office, department and text and pages; pay basis and employment are filtered here, over every match.
import { ElMessageBox } from "element-plus";
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { listDepartments, treeOrder } from "../api/departments.js";
import { allEmployees, downloadEmployees, listEmployees, newActivation } from "../api/employees.js";
import { canWrite } from "../auth.js";
import EmployeeDrawer, { PAY_BASES } from "../components/EmployeeDrawer.js";
import EmployeeImport from "../components/EmployeeImport.js";
import { showError } from "../components/notify.js";
import { knownOffices } from "../components/offices.js";
import { dateTime, yuan } from "../format.js";
import { isPhone } from "../viewport.js";
import { zoneOf } from "../zones.js";

const PAGE = 20;

function today() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}-${String(now.getDate()).padStart(2, "0")}`;
}

// Still employed today: no leave date, or one still to come.
const employed = (employee) => !employee.left_on || employee.left_on >= today();

export default {
  components: { EmployeeDrawer, EmployeeImport },
  setup() {
    const { t } = useI18n();
    const filters = reactive({ q: "", office: "", department: "", basis: "", status: "" });
    const rows = ref([]);
    const total = ref(0);
    const page = ref(1);
    const loading = ref(false);
    const offices = ref([]);
    const departments = ref([]);
    // The department filter offers the chosen office's tree, or every office's trees one after another.
    const departmentChoices = computed(() => treeOrder(departments.value.filter((d) => !filters.office || d.office === filters.office)));
    const drawer = ref(null);
    const importer = ref(null);
    const activation = ref(null);
    const writer = computed(canWrite);
    let local = null; // every match, when a filter the API lacks is set

    const keep = (e) => (!filters.basis || e.pay_basis === filters.basis) && (!filters.status || (filters.status === "employed") === employed(e));

    async function load() {
      loading.value = true;
      const query = { q: filters.q.trim(), office: filters.office, department: filters.department };
      try {
        if (filters.basis || filters.status) {
          local = (await allEmployees(query)).filter(keep);
          total.value = local.length;
          rows.value = local.slice((page.value - 1) * PAGE, page.value * PAGE);
        } else {
          local = null;
          const answer = await listEmployees({ ...query, limit: PAGE, offset: (page.value - 1) * PAGE });
          rows.value = answer.items;
          total.value = answer.total;
        }
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function search() {
      page.value = 1;
      load();
    }

    function reset() {
      Object.assign(filters, { q: "", office: "", department: "", basis: "", status: "" });
      search();
    }

    function turn(to) {
      page.value = to;
      if (local) rows.value = local.slice((to - 1) * PAGE, to * PAGE);
      else load();
    }

    async function activate(row) {
      try {
        await ElMessageBox.confirm(t("employees.activationConfirm", { name: row.name, code: row.code }), t("employees.activation"), { type: "warning" });
      } catch {
        return;
      }
      try {
        activation.value = { ...(await newActivation(row.code)), name: row.name, office: row.office };
      } catch (error) {
        showError(error);
      }
    }

    async function exportAll() {
      try {
        await downloadEmployees();
      } catch (error) {
        showError(error);
      }
    }

    function pay(row) {
      if (row.pay_basis === "monthly") return t("employees.perMonth", { amount: yuan(row.monthly_salary_fen) });
      if (row.pay_basis === "hourly") return t("employees.perHour", { amount: yuan(row.hourly_rate_fen) });
      return t("employees.basis.piece");
    }

    onMounted(async () => {
      load();
      try {
        [offices.value, departments.value] = await Promise.all([knownOffices(), listDepartments()]);
      } catch (error) {
        showError(error);
      }
    });
    return {
      filters, rows, total, page, PAGE, loading, offices, departmentChoices, drawer, importer, activation, writer, isPhone, PAY_BASES,
      load, search, reset, turn, activate, exportAll, pay, employed,
      expires: (a) => dateTime(a.expires_at, zoneOf(a.office)),
      edit: (row) => drawer.value.show(row),
      create: () => drawer.value.show(null),
      startImport: () => importer.value.show(),
      imported: () => search(),
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('employees.title') }}</h2>
    <span class="spacer"></span>
    <el-button @click="exportAll" data-test="employees-export"><el-icon><IconDownload /></el-icon><span>{{ $t('employees.export') }}</span></el-button>
    <el-button v-if="writer" @click="startImport" data-test="employees-import"><el-icon><IconUpload /></el-icon><span>{{ $t('employees.import') }}</span></el-button>
    <el-button v-if="writer" type="primary" @click="create" data-test="employee-create"><el-icon><IconPlus /></el-icon><span>{{ $t('employees.create') }}</span></el-button>
  </div>
  <el-card shadow="never" class="block">
    <el-form inline class="filter-form" @submit.prevent="search">
      <el-form-item :label="$t('employees.keyword')"><el-input v-model="filters.q" clearable :placeholder="$t('employees.keywordHint')" class="filter-input" name="q" @keyup.enter="search" /></el-form-item>
      <el-form-item :label="$t('employees.office')">
        <el-select v-model="filters.office" clearable :placeholder="$t('common.all')" class="filter-select" data-test="filter-office" @change="filters.department = ''">
          <el-option v-for="o in offices" :key="o" :value="o" :label="o" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('employees.department')">
        <el-select v-model="filters.department" clearable :placeholder="$t('common.all')" class="filter-select" data-test="filter-department">
          <el-option v-for="d in departmentChoices" :key="d.code" :value="d.code" :label="'\u3000'.repeat(d.depth) + d.name" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('employees.payBasis')">
        <el-select v-model="filters.basis" clearable :placeholder="$t('common.all')" class="filter-select">
          <el-option v-for="b in PAY_BASES" :key="b" :value="b" :label="$t('employees.basis.' + b)" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('employees.status')">
        <el-select v-model="filters.status" clearable :placeholder="$t('common.all')" class="filter-select" data-test="filter-status">
          <el-option value="employed" :label="$t('employees.employed')" />
          <el-option value="left" :label="$t('employees.left')" />
        </el-select>
      </el-form-item>
      <el-form-item>
        <el-button type="primary" @click="search" data-test="employees-search">{{ $t('common.search') }}</el-button>
        <el-button @click="reset">{{ $t('common.reset') }}</el-button>
      </el-form-item>
    </el-form>
  </el-card>
  <el-card shadow="never">
    <div v-if="isPhone" class="line-cards" v-loading="loading" data-test="employees">
      <p v-if="!loading && !rows.length" class="muted">{{ $t('employees.none') }}</p>
      <div v-for="row in rows" :key="row.code" class="line-card clickable" @click="edit(row)">
        <div class="line-head"><span><strong>{{ row.name }}</strong> <span class="muted">{{ row.code }}</span></span>
          <el-tag :type="employed(row) ? 'success' : 'info'" size="small">{{ employed(row) ? $t('employees.employed') : $t('employees.left') }}</el-tag></div>
        <div class="muted">{{ row.office || $t('employees.noOffice') }}<template v-if="row.department_name"> · {{ row.department_name }}</template> · {{ pay(row) }}</div>
      </div>
    </div>
    <el-table v-else :data="rows" v-loading="loading" data-test="employees" :empty-text="$t('employees.none')" @row-dblclick="edit">
      <el-table-column :label="$t('employees.code')" prop="code" width="100" />
      <el-table-column :label="$t('employees.name')" prop="name" min-width="110" />
      <el-table-column :label="$t('employees.office')" min-width="120"><template #default="{ row }">{{ row.office || $t('employees.noOffice') }}</template></el-table-column>
      <el-table-column :label="$t('employees.department')" min-width="110"><template #default="{ row }">{{ row.department_name || $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('employees.pay')" min-width="150"><template #default="{ row }"><span class="num">{{ pay(row) }}</span></template></el-table-column>
      <el-table-column :label="$t('employees.hiredOn')" width="110"><template #default="{ row }">{{ row.hired_on || $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('employees.status')" width="110"><template #default="{ row }">
        <el-tag :type="employed(row) ? 'success' : 'info'" size="small">{{ employed(row) ? $t('employees.employed') : $t('employees.leftOnDate', { date: row.left_on }) }}</el-tag></template></el-table-column>
      <el-table-column :label="$t('employees.badges')" min-width="120"><template #default="{ row }">
        <span v-if="!row.badges.length" class="muted">{{ $t('employees.noBadges') }}</span>
        <el-tag v-for="b in row.badges" :key="b.id" size="small" effect="plain" class="badge-tag">{{ b.pin }}</el-tag></template></el-table-column>
      <el-table-column :label="$t('common.actions')" :width="writer ? 150 : 80" fixed="right"><template #default="{ row }">
        <el-button link type="primary" @click="edit(row)">{{ writer ? $t('common.edit') : $t('common.view') }}</el-button>
        <el-button v-if="writer" link type="primary" @click="activate(row)" data-test="activation">{{ $t('employees.activation') }}</el-button></template></el-table-column>
    </el-table>
    <el-pagination v-if="total > PAGE" :current-page="page" :page-size="PAGE" :total="total" layout="total, prev, pager, next" class="pager" @current-change="turn" />
  </el-card>
  <EmployeeDrawer ref="drawer" :offices="offices" :writer="writer" @saved="load" />
  <EmployeeImport ref="importer" @imported="imported" />
  <el-dialog :model-value="activation !== null" :title="$t('employees.activationTitle')" width="min(440px, 94vw)" @close="activation = null">
    <template v-if="activation">
      <p>{{ $t('employees.activationFor', { name: activation.name, code: activation.employee }) }}</p>
      <div class="activation-code" data-test="activation-code">{{ activation.code }}</div>
      <p class="muted">{{ $t('employees.activationExpires', { at: expires(activation) }) }}</p>
      <el-alert type="warning" :closable="false" show-icon :title="$t('employees.activationOnce')" />
    </template>
    <template #footer><el-button type="primary" @click="activation = null">{{ $t('common.close') }}</el-button></template>
  </el-dialog>
</div>`,
};
