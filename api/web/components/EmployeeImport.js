// Employees in bulk from the Excel template: download it, choose the filled file, check it (a dry run: what would
// be added and changed, or the row-by-row report), then import — all rows or none, as the server guarantees.
import { ElMessage } from "element-plus";
import { ref } from "vue";
import { useI18n } from "vue-i18n";
import { downloadTemplate, importSheet } from "../api/employees.js";
import { showError } from "./notify.js";
import RowReport from "./RowReport.js";

export default {
  components: { RowReport },
  emits: ["imported"],
  setup(_props, { emit, expose }) {
    const { t } = useI18n();
    const open = ref(false);
    const file = ref(null);
    const report = ref(null);
    const problems = ref([]);
    const busy = ref(false);

    function show() {
      file.value = null;
      report.value = null;
      problems.value = [];
      open.value = true;
    }

    function choose(upload) {
      file.value = upload.raw;
      report.value = null;
      problems.value = [];
    }

    async function send(dryRun) {
      busy.value = true;
      try {
        const answer = await importSheet(file.value, dryRun);
        problems.value = [];
        if (dryRun) {
          report.value = answer;
        } else {
          open.value = false;
          ElMessage.success(t("employees.importDone", { created: answer.created.length, updated: answer.updated.length }));
          emit("imported", answer);
        }
      } catch (error) {
        report.value = null;
        problems.value = error.rows;
        if (!error.rows.length) showError(error);
      } finally {
        busy.value = false;
      }
    }

    async function template() {
      try {
        await downloadTemplate();
      } catch (error) {
        showError(error);
      }
    }

    expose({ show });
    return { open, file, report, problems, busy, choose, send, template };
  },
  template: `
<el-dialog v-model="open" :title="$t('employees.importTitle')" width="min(640px, 96vw)" data-test="employee-import">
  <el-steps :active="report ? 2 : file ? 1 : 0" finish-status="success" simple class="block">
    <el-step :title="$t('employees.importStep1')" />
    <el-step :title="$t('employees.importStep2')" />
    <el-step :title="$t('employees.importStep3')" />
  </el-steps>
  <p class="muted">{{ $t('employees.importIntro') }}</p>
  <div class="button-row block">
    <el-button @click="template" data-test="template-download"><el-icon><IconDownload /></el-icon><span>{{ $t('employees.template') }}</span></el-button>
    <el-upload :auto-upload="false" :show-file-list="false" accept=".xlsx" :on-change="choose" data-test="sheet-upload">
      <el-button type="primary" plain><el-icon><IconUpload /></el-icon><span>{{ $t('employees.chooseFile') }}</span></el-button>
    </el-upload>
    <span v-if="file" class="muted file-name">{{ file.name }}</span>
  </div>
  <RowReport :rows="problems" :title="$t('employees.importRefused', { n: problems.length })" />
  <el-descriptions v-if="report" :column="2" border class="block" data-test="import-preview">
    <el-descriptions-item :label="$t('employees.importRows')">{{ report.rows }}</el-descriptions-item>
    <el-descriptions-item :label="$t('employees.importCreated')">{{ report.created.length }}</el-descriptions-item>
    <el-descriptions-item :label="$t('employees.importUpdated')">{{ report.updated.length }}</el-descriptions-item>
    <el-descriptions-item :label="$t('employees.importUnchanged')">{{ report.unchanged.length }}</el-descriptions-item>
    <el-descriptions-item :label="$t('employees.importBadges')">{{ report.badges_added }}</el-descriptions-item>
    <el-descriptions-item :label="$t('employees.importBanks')">{{ report.bank_accounts_set }}</el-descriptions-item>
    <el-descriptions-item :label="$t('employees.importCodes')" :span="2">{{ [...report.created, ...report.updated].join(', ') || $t('common.none') }}</el-descriptions-item>
  </el-descriptions>
  <template #footer>
    <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
    <el-button :disabled="!file" :loading="busy" @click="send(true)" data-test="sheet-check">{{ $t('employees.importCheck') }}</el-button>
    <el-button type="primary" :disabled="!report" :loading="busy" @click="send(false)" data-test="sheet-import">{{ $t('employees.importNow') }}</el-button>
  </template>
</el-dialog>`,
};
