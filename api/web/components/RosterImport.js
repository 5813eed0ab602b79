// The month's roster back from Excel: choose the edited sheet, send it; the server writes every cell or none and,
// when it refuses, says which cell and why ("第 7 行 F 列：…"), shown as the row report to fix before sending again.
import { ElMessage } from "element-plus";
import { ref } from "vue";
import { useI18n } from "vue-i18n";
import { importRoster } from "../api/rosters.js";
import { showError } from "./notify.js";
import RowReport from "./RowReport.js";

export default {
  components: { RowReport },
  props: { office: { type: String, required: true }, period: { type: String, required: true } },
  emits: ["imported"],
  setup(props, { emit, expose }) {
    const { t } = useI18n();
    const open = ref(false);
    const file = ref(null);
    const problems = ref([]);
    const busy = ref(false);

    function show() {
      file.value = null;
      problems.value = [];
      open.value = true;
    }

    async function send() {
      busy.value = true;
      try {
        const written = await importRoster(props.office, props.period, file.value);
        open.value = false;
        ElMessage.success(t("roster.imported", { n: written.cells }));
        emit("imported");
      } catch (error) {
        problems.value = error.rows.length ? error.rows : error.detail ? [error.detail] : [];
        if (!problems.value.length) showError(error);
      } finally {
        busy.value = false;
      }
    }

    expose({ show });
    return { open, file, problems, busy, send, choose: (upload) => { file.value = upload.raw; problems.value = []; } };
  },
  template: `
<el-dialog v-model="open" :title="$t('roster.importTitle')" width="min(640px, 96vw)" data-test="roster-import-dialog">
  <p class="muted">{{ $t('roster.importIntro', { office, period }) }}</p>
  <div class="button-row block">
    <el-upload :auto-upload="false" :show-file-list="false" accept=".xlsx" :on-change="choose" data-test="roster-upload">
      <el-button type="primary" plain><el-icon><IconUpload /></el-icon><span>{{ $t('employees.chooseFile') }}</span></el-button>
    </el-upload>
    <span v-if="file" class="muted file-name">{{ file.name }}</span>
  </div>
  <RowReport :rows="problems" :title="$t('roster.importRefused', { n: problems.length })" />
  <template #footer>
    <el-button @click="open = false">{{ $t('common.cancel') }}</el-button>
    <el-button type="primary" :disabled="!file" :loading="busy" @click="send" data-test="roster-import-send">{{ $t('roster.importNow') }}</el-button>
  </template>
</el-dialog>`,
};
