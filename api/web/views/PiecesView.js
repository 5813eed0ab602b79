// Piece counts: choose a CSV or Excel file → the preview (rows as read, totals per employee, the row-by-row
// report; nothing stored) → import it as one batch, all rows or none. Below, the import batches, each deletable
// unless a locked pay run paid its pieces (the server refuses, saying which run).
import { ElMessage, ElMessageBox } from "element-plus";
import { computed, onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { deleteBatch, importPieces, listBatches, previewPieces } from "../api/pieces.js";
import { canWrite } from "../auth.js";
import { showError } from "../components/notify.js";
import RowReport from "../components/RowReport.js";
import { dateTime, ratio, yuan } from "../format.js";
import { isPhone } from "../viewport.js";
import { DEFAULT_ZONE } from "../zones.js";

const PREVIEW_ROWS = 50;

export default {
  components: { RowReport },
  setup() {
    const { t } = useI18n();
    const file = ref(null);
    const preview = ref(null);
    const problems = ref([]);
    const busy = ref(false);
    const batches = ref([]);
    const loading = ref(false);
    const writer = computed(canWrite);

    async function load() {
      loading.value = true;
      try {
        batches.value = await listBatches({ limit: 200 });
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function choose(upload) {
      file.value = upload.raw;
      preview.value = null;
      problems.value = [];
      busy.value = true;
      try {
        preview.value = await previewPieces(file.value);
        problems.value = preview.value.errors;
      } catch (error) {
        showError(error);
      } finally {
        busy.value = false;
      }
    }

    async function importNow() {
      busy.value = true;
      try {
        const done = await importPieces(file.value);
        ElMessage.success(t("pieces.imported", { n: done.imported, qty: done.qty, id: done.batch_id }));
        file.value = null;
        preview.value = null;
        load();
      } catch (error) {
        problems.value = error.rows;
        if (!error.rows.length) showError(error);
      } finally {
        busy.value = false;
      }
    }

    async function remove(batch) {
      try {
        await ElMessageBox.confirm(t("pieces.deleteConfirm", { name: batch.name, rows: batch.rows }), t("pieces.deleteTitle"), { type: "warning" });
      } catch {
        return;
      }
      try {
        const gone = await deleteBatch(batch.id);
        ElMessage.success(t("pieces.deleted", { name: gone.batch.name, n: gone.deleted_rows }));
        load();
      } catch (error) {
        showError(error);
      }
    }

    onMounted(load);
    return {
      file, preview, problems, busy, batches, loading, writer, isPhone, PREVIEW_ROWS, choose, importNow, remove, load, yuan,
      coef: (text) => (text.includes("/") ? ratio(text) : text),
      when: (value) => dateTime(value, DEFAULT_ZONE),
      shownRows: computed(() => (preview.value ? preview.value.rows.slice(0, PREVIEW_ROWS) : [])),
    };
  },
  template: `
<div class="page">
  <div class="page-head"><h2 class="page-title">{{ $t('pieces.title') }}</h2></div>
  <el-card v-if="writer" shadow="never" class="block">
    <template #header><strong>{{ $t('pieces.upload') }}</strong></template>
    <p class="muted intro">{{ $t('pieces.intro') }}</p>
    <div class="button-row block">
      <el-upload :auto-upload="false" :show-file-list="false" accept=".csv,.xlsx" :on-change="choose" data-test="piece-upload">
        <el-button type="primary" plain :loading="busy"><el-icon><IconUpload /></el-icon><span>{{ $t('pieces.choose') }}</span></el-button>
      </el-upload>
      <span v-if="file" class="muted file-name">{{ file.name }}</span>
    </div>
    <template v-if="preview">
      <el-alert v-if="preview.duplicate_of_batch !== null" type="error" :closable="false" show-icon class="block" :title="$t('pieces.duplicate', { id: preview.duplicate_of_batch })" />
      <RowReport :rows="problems" :title="$t('pieces.refused', { n: problems.length })" />
      <el-alert v-for="(note, i) in preview.notes" :key="i" type="info" :closable="false" class="block" :title="note" />
      <el-alert v-if="preview.importable" type="success" :closable="false" show-icon class="block" data-test="piece-ok"
        :title="$t('pieces.ready', { rows: preview.rows_read, people: preview.totals.length, periods: preview.periods.join(', ') })" />
      <h4 class="section-title">{{ $t('pieces.totals') }}</h4>
      <el-table :data="preview.totals" data-test="piece-totals" :empty-text="$t('common.empty')" class="block">
        <el-table-column :label="$t('pieces.employee')" prop="employee" width="100" />
        <el-table-column :label="$t('pieces.name')" prop="name" min-width="100" />
        <el-table-column :label="$t('pieces.rows')" prop="rows" width="80" align="right" />
        <el-table-column :label="$t('pieces.qty')" prop="qty" width="100" align="right" />
        <el-table-column :label="$t('pieces.rejects')" prop="rejects" width="100" align="right" />
      </el-table>
      <h4 class="section-title">{{ $t('pieces.rowsTitle', { n: preview.rows.length }) }}</h4>
      <el-table :data="shownRows" data-test="piece-rows" :empty-text="$t('common.empty')" max-height="360">
        <el-table-column :label="$t('pieces.row')" prop="row" width="64" />
        <el-table-column :label="$t('pieces.employee')" prop="employee" width="90" />
        <el-table-column :label="$t('pieces.period')" prop="period" width="90" />
        <el-table-column :label="$t('pieces.date')" width="110"><template #default="{ row }">{{ row.work_date || $t('common.none') }}</template></el-table-column>
        <el-table-column :label="$t('pieces.item')" prop="item" min-width="100" />
        <el-table-column :label="$t('pieces.qty')" prop="qty" width="80" align="right" />
        <el-table-column :label="$t('pieces.rejects')" prop="rejects" width="80" align="right" />
        <el-table-column :label="$t('pieces.unit')" width="100" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.unit_fen) }}</span></template></el-table-column>
        <el-table-column :label="$t('pieces.coef')" width="90" align="right"><template #default="{ row }">{{ coef(row.grade_coef) }}</template></el-table-column>
      </el-table>
      <p v-if="preview.rows.length > PREVIEW_ROWS" class="muted">{{ $t('pieces.moreRows', { n: preview.rows.length - PREVIEW_ROWS }) }}</p>
      <div class="button-row drawer-foot">
        <el-button type="primary" :disabled="!preview.importable" :loading="busy" @click="importNow" data-test="piece-import">{{ $t('pieces.importNow') }}</el-button>
      </div>
    </template>
  </el-card>

  <el-card shadow="never" v-loading="loading">
    <template #header><div class="card-head"><strong>{{ $t('pieces.batches') }}</strong><span class="spacer"></span><el-button link @click="load">{{ $t('common.refresh') }}</el-button></div></template>
    <div v-if="isPhone" class="line-cards" data-test="piece-batches">
      <p v-if="!batches.length" class="muted">{{ $t('pieces.noBatches') }}</p>
      <div v-for="b in batches" :key="b.id" class="line-card">
        <div class="line-head"><strong>#{{ b.id }} {{ b.name }}</strong><el-button v-if="writer" link type="danger" @click="remove(b)">{{ $t('common.delete') }}</el-button></div>
        <div class="muted">{{ b.periods.join(', ') }} · {{ $t('pieces.rowsQty', { rows: b.rows, qty: b.qty }) }}</div>
        <div class="muted">{{ when(b.imported_at) }} · {{ b.imported_by }}</div>
      </div>
    </div>
    <el-table v-else :data="batches" data-test="piece-batches" :empty-text="$t('pieces.noBatches')">
      <el-table-column prop="id" label="#" width="60" />
      <el-table-column :label="$t('pieces.batchName')" prop="name" min-width="160" />
      <el-table-column :label="$t('pieces.periods')" min-width="100"><template #default="{ row }">{{ row.periods.join(', ') }}</template></el-table-column>
      <el-table-column :label="$t('pieces.rows')" prop="rows" width="80" align="right" />
      <el-table-column :label="$t('pieces.qty')" prop="qty" width="100" align="right" />
      <el-table-column :label="$t('pieces.importedBy')" prop="imported_by" min-width="130" />
      <el-table-column :label="$t('pieces.importedAt')" width="140"><template #default="{ row }">{{ when(row.imported_at) }}</template></el-table-column>
      <el-table-column v-if="writer" :label="$t('common.actions')" width="80" fixed="right"><template #default="{ row }">
        <el-button link type="danger" @click="remove(row)" data-test="batch-delete">{{ $t('common.delete') }}</el-button></template></el-table-column>
    </el-table>
  </el-card>
</div>`,
};
