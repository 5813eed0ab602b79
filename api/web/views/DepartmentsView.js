// Departments: each office's tree (indented, parents first) with its manager and how many people it holds;
// HR and admin create, edit (rename, move, change manager) and delete — the API refuses a loop, a parent in
// another office, or deleting a department that still has members or sub-departments, and the refusal is shown.
import { ElMessage, ElMessageBox } from "element-plus";
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { createDepartment, deleteDepartment, listDepartments, treeOrder, updateDepartment } from "../api/departments.js";
import { canWrite } from "../auth.js";
import EmployeePicker from "../components/EmployeePicker.js";
import { showError } from "../components/notify.js";
import { knownOffices } from "../components/offices.js";

const CODE = /^\S{1,32}$/;

function blank(office) {
  return { office, code: "", name: "", parent: "", manager: "" };
}

export default {
  components: { EmployeePicker },
  setup() {
    const { t } = useI18n();
    const departments = ref([]);
    const offices = ref([]);
    const loading = ref(false);
    const writer = computed(canWrite);
    const open = ref(false);
    const editing = ref(null); // the department being edited; null while creating
    const form = reactive(blank(""));
    const formRef = ref(null);
    const saving = ref(false);

    // One block per office (offices without departments too, so HR can start one there).
    const trees = computed(() => {
      const names = [...new Set([...offices.value, ...departments.value.map((d) => d.office)])].sort();
      return names.map((office) => ({ office, rows: treeOrder(departments.value.filter((d) => d.office === office)) }));
    });
    // Parents a department may get: same office, not itself (the API refuses a move below itself too).
    const parents = computed(() =>
      treeOrder(departments.value.filter((d) => d.office === form.office)).filter((d) => !editing.value || d.code !== editing.value.code),
    );
    const rules = computed(() => ({
      office: [{ required: true, message: t("validation.required", { field: t("departments.office") }), trigger: "change" }],
      code: [{ required: true, message: t("validation.required", { field: t("departments.code") }), trigger: "blur" },
        { pattern: CODE, message: t("departments.codeRule"), trigger: "blur" }],
      name: [{ required: true, message: t("validation.required", { field: t("departments.name") }), trigger: "blur" }],
    }));

    async function load() {
      loading.value = true;
      try {
        departments.value = await listDepartments();
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function create(office) {
      editing.value = null;
      Object.assign(form, blank(office || ""));
      open.value = true;
      setTimeout(() => formRef.value && formRef.value.clearValidate(), 0);
    }

    function edit(row) {
      editing.value = row;
      Object.assign(form, { office: row.office, code: row.code, name: row.name, parent: row.parent || "", manager: row.manager || "" });
      open.value = true;
      setTimeout(() => formRef.value && formRef.value.clearValidate(), 0);
    }

    async function save() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      saving.value = true;
      try {
        if (editing.value) {
          const fields = { name: form.name.trim(), top: !form.parent, no_manager: !form.manager };
          if (form.parent) fields.parent = form.parent;
          if (form.manager) fields.manager = form.manager;
          await updateDepartment(editing.value.code, fields);
        } else {
          await createDepartment({
            office: form.office, code: form.code.trim(), name: form.name.trim(), parent: form.parent || null, manager: form.manager || null,
          });
        }
        ElMessage.success(t("departments.saved", { name: form.name.trim() }));
        open.value = false;
        await load();
      } catch (error) {
        showError(error);
      } finally {
        saving.value = false;
      }
    }

    async function drop(row) {
      try {
        await ElMessageBox.confirm(t("departments.deleteConfirm", { name: row.name, code: row.code }), t("common.delete"), { type: "warning" });
      } catch {
        return;
      }
      try {
        await deleteDepartment(row.code);
        ElMessage.success(t("departments.deleted", { name: row.name }));
        await load();
      } catch (error) {
        showError(error);
      }
    }

    onMounted(async () => {
      load();
      try {
        offices.value = await knownOffices();
      } catch (error) {
        showError(error);
      }
    });
    return { trees, parents, offices, loading, writer, open, editing, form, formRef, rules, saving, create, edit, save, drop };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('departments.title') }}</h2>
    <span class="spacer"></span>
    <el-button v-if="writer" type="primary" @click="create('')" data-test="department-create"><el-icon><IconPlus /></el-icon><span>{{ $t('departments.create') }}</span></el-button>
  </div>
  <p class="muted">{{ $t('departments.intro') }}</p>
  <div v-loading="loading">
    <el-card v-for="tree in trees" :key="tree.office" shadow="never" class="block" :data-test="'departments-' + tree.office">
      <template #header><div class="line-head"><strong>{{ tree.office }}</strong>
        <el-button v-if="writer" link type="primary" @click="create(tree.office)">{{ $t('departments.createHere') }}</el-button></div></template>
      <el-table :data="tree.rows" :empty-text="$t('departments.none')" data-test="departments">
        <el-table-column :label="$t('departments.name')" min-width="160"><template #default="{ row }">
          <span :style="{ paddingLeft: row.depth * 1.25 + 'em' }">{{ row.name }}</span></template></el-table-column>
        <el-table-column :label="$t('departments.code')" prop="code" min-width="100" />
        <el-table-column :label="$t('departments.manager')" min-width="120"><template #default="{ row }">
          {{ row.manager ? row.manager_name + ' (' + row.manager + ')' : $t('departments.noManager') }}</template></el-table-column>
        <el-table-column :label="$t('departments.members')" width="80"><template #default="{ row }"><span class="num">{{ row.members }}</span></template></el-table-column>
        <el-table-column v-if="writer" :label="$t('common.actions')" width="120" fixed="right"><template #default="{ row }">
          <el-button link type="primary" @click="edit(row)">{{ $t('common.edit') }}</el-button>
          <el-button link type="danger" @click="drop(row)" data-test="department-delete">{{ $t('common.delete') }}</el-button></template></el-table-column>
      </el-table>
    </el-card>
  </div>
  <el-dialog v-model="open" :title="editing ? $t('departments.editTitle', { name: editing.name }) : $t('departments.create')" width="min(480px, 94vw)" data-test="department-dialog">
    <el-form ref="formRef" :model="form" :rules="rules" label-width="auto">
      <el-form-item :label="$t('departments.office')" prop="office">
        <el-select v-model="form.office" :disabled="Boolean(editing)" data-test="department-office" @change="form.parent = ''">
          <el-option v-for="o in offices" :key="o" :value="o" :label="o" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('departments.code')" prop="code"><el-input v-model="form.code" :disabled="Boolean(editing)" name="department_code" maxlength="32" /></el-form-item>
      <el-form-item :label="$t('departments.name')" prop="name"><el-input v-model="form.name" name="department_name" maxlength="100" /></el-form-item>
      <el-form-item :label="$t('departments.parent')">
        <el-select v-model="form.parent" clearable :placeholder="$t('departments.top')">
          <el-option v-for="d in parents" :key="d.code" :value="d.code" :label="'\u3000'.repeat(d.depth) + d.name" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('departments.manager')"><EmployeePicker v-model="form.manager" /></el-form-item>
    </el-form>
    <template #footer>
      <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" :loading="saving" @click="save" data-test="department-save">{{ $t('common.save') }}</el-button>
    </template>
  </el-dialog>
</div>`,
};
