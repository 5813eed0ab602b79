// 我的团队 (a manager): the people of the departments they manage and those below, each with 发起变动 — a 转正, 调薪
// or 调动 submitted for them (the manager approves their own step at once in the inbox, then HR decides) — and
// the change requests already made for them, each opening its drawer (旧 → 新, the approval steps).
import { onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { getTeam } from "../api/personnelChanges.js";
import { listRequests } from "../api/requests.js";
import ChangeForm from "../components/ChangeForm.js";
import RequestDrawer from "../components/RequestDrawer.js";
import { showError } from "../components/notify.js";
import { requestCells, STATUS_TYPES } from "../components/requestText.js";

export default {
  components: { ChangeForm, RequestDrawer },
  setup() {
    const { t, te } = useI18n();
    const people = ref([]);
    const changes = ref([]);
    const loading = ref(false);
    const changeForm = ref(null);
    const detailId = ref(null);

    async function load() {
      loading.value = true;
      try {
        [people.value, changes.value] = await Promise.all([getTeam(), listRequests({ kind: "change" })]);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    onMounted(load);
    return {
      people, changes, loading, changeForm, detailId, STATUS_TYPES, load,
      start: (person) => changeForm.value.show(person),
      submitted: (made) => { load(); detailId.value = made.id; },
      ...requestCells(t, te),
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('change.teamTitle') }}</h2>
    <el-button @click="load" :loading="loading">{{ $t('common.refresh') }}</el-button>
  </div>
  <el-card shadow="never" class="block">
    <el-table :data="people" row-key="code" v-loading="loading" :empty-text="$t('change.noTeam')" data-test="team">
      <el-table-column :label="$t('employees.code')" prop="code" width="90" />
      <el-table-column :label="$t('employees.name')" prop="name" min-width="90" />
      <el-table-column :label="$t('employees.department')" min-width="100"><template #default="{ row }">{{ row.department_name || $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('employees.office')" prop="office" min-width="100" />
      <el-table-column width="110"><template #default="{ row }"><el-button type="primary" size="small" @click="start(row)" data-test="change-start">{{ $t('change.start') }}</el-button></template></el-table-column>
    </el-table>
  </el-card>
  <el-card shadow="never" class="block">
    <template #header><strong>{{ $t('change.madeTitle') }}</strong></template>
    <el-table :data="changes" row-key="id" :empty-text="$t('change.noneMade')" data-test="team-changes" @row-click="(r) => (detailId = r.id)">
      <el-table-column label="#" prop="id" width="60" />
      <el-table-column :label="$t('requests.employee')" min-width="90"><template #default="{ row }">{{ row.employee_name }}</template></el-table-column>
      <el-table-column :label="$t('requests.kind')" width="70"><template #default="{ row }">{{ kind(row) }}</template></el-table-column>
      <el-table-column :label="$t('requests.when')" min-width="110"><template #default="{ row }">{{ span(row) }}</template></el-table-column>
      <el-table-column :label="$t('change.terms')" min-width="170"><template #default="{ row }">{{ amount(row) }}</template></el-table-column>
      <el-table-column :label="$t('requests.statusLabel')" min-width="100"><template #default="{ row }"><el-tag size="small" :type="STATUS_TYPES[row.status]">{{ state(row) }}</el-tag></template></el-table-column>
    </el-table>
  </el-card>
  <ChangeForm ref="changeForm" @submitted="submitted" />
  <RequestDrawer :request-id="detailId" @close="detailId = null" />
</div>`,
};
