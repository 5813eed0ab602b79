// Pay runs: the list (newest month first, paged), creating a run for a month and scope, compute and lock.
import { ElMessage } from "element-plus";
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { useRouter } from "vue-router";
import { getDashboard } from "../api/dashboard.js";
import { createPayRun, listPayRuns } from "../api/payruns.js";
import { canWrite } from "../auth.js";
import LockDialog from "../components/LockDialog.js";
import { showError } from "../components/notify.js";
import { compute, scopeText, startLock } from "../components/payRunActions.js";
import StatusTag from "../components/StatusTag.js";
import { dateTime, yuan } from "../format.js";
import { isPhone } from "../viewport.js";
import { officeNames, rememberZones, zoneOf } from "../zones.js";

const PAGE = 20;

export default {
  components: { LockDialog, StatusTag },
  setup() {
    const { t } = useI18n();
    const router = useRouter();
    const runs = ref([]);
    const loading = ref(false);
    const page = ref(1);
    const creating = ref(false);
    const form = reactive({ period: "", scope: "all" });
    const formRef = ref(null);
    const offices = ref([]);
    const writer = computed(canWrite);
    const rules = computed(() => ({
      period: [{ required: true, message: t("validation.choose", { field: t("payruns.period") }), trigger: "change" }],
      scope: [{ required: true, message: t("validation.choose", { field: t("payruns.scope") }), trigger: "change" }],
    }));
    const shown = computed(() => runs.value.slice((page.value - 1) * PAGE, page.value * PAGE));

    async function load() {
      loading.value = true;
      try {
        runs.value = await listPayRuns();
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function openCreate() {
      creating.value = true;
      if (!officeNames().length) {
        try {
          rememberZones((await getDashboard()).offices);
        } catch (error) {
          showError(error);
        }
      }
      offices.value = officeNames();
    }

    async function create() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      try {
        const run = await createPayRun(form.period, form.scope);
        creating.value = false;
        ElMessage.success(t("payruns.created", { period: run.period }));
        router.push({ name: "payrun", params: { id: run.id } });
      } catch (error) {
        showError(error);
      }
    }

    async function computeRun(run) {
      const computed = await compute(run);
      if (computed) router.push({ name: "payrun", params: { id: run.id } });
    }

    onMounted(load);
    return {
      runs, shown, loading, page, PAGE, creating, form, formRef, rules, offices, writer,
      load, openCreate, create, computeRun, startLock, scopeText, yuan, isPhone,
      when: (value, run) => dateTime(value, zoneOf(run.scope)),
      open: (run) => router.push({ name: "payrun", params: { id: run.id } }),
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('payruns.title') }}</h2>
    <span class="spacer"></span>
    <el-button @click="load"><el-icon><IconRefresh /></el-icon><span>{{ $t('common.refresh') }}</span></el-button>
    <el-button v-if="writer" type="primary" @click="openCreate" data-test="create-run"><el-icon><IconPlus /></el-icon><span>{{ $t('payruns.create') }}</span></el-button>
  </div>
  <p class="muted intro">{{ $t('payruns.intro') }}</p>
  <el-card shadow="never">
    <div v-if="isPhone" class="line-cards" v-loading="loading" data-test="payruns">
      <p v-if="!loading && !runs.length" class="muted">{{ $t('payruns.none') }}</p>
      <div v-for="row in shown" :key="row.id" class="line-card">
        <div class="line-head clickable" @click="open(row)"><span><strong>{{ row.period }}</strong> {{ scopeText(row.scope) }}</span><StatusTag :status="row.status" /></div>
        <div class="muted">{{ $t('payruns.net') }} <span class="num">{{ yuan(row.net_total_fen) }}</span></div>
        <div class="button-row">
          <el-button link type="primary" @click="open(row)">{{ $t('payruns.open') }}</el-button>
          <template v-if="writer && row.status !== 'locked'">
            <el-button link type="primary" @click="computeRun(row)">{{ row.status === 'draft' ? $t('payruns.compute') : $t('payruns.recompute') }}</el-button>
            <el-button v-if="row.status === 'computed'" link type="danger" @click="startLock(row)">{{ $t('payruns.lock') }}</el-button>
          </template>
        </div>
      </div>
    </div>
    <el-table v-else :data="shown" v-loading="loading" data-test="payruns" :empty-text="$t('payruns.none')" @row-dblclick="open">
      <el-table-column prop="id" label="#" width="56" />
      <el-table-column :label="$t('payruns.period')" prop="period" width="90" />
      <el-table-column :label="$t('payruns.scope')" min-width="120"><template #default="{ row }">{{ scopeText(row.scope) }}</template></el-table-column>
      <el-table-column :label="$t('payruns.status')" width="90"><template #default="{ row }"><StatusTag :status="row.status" /></template></el-table-column>
      <el-table-column :label="$t('payruns.gross')" align="right" min-width="120"><template #default="{ row }"><span class="num">{{ yuan(row.gross_total_fen) }}</span></template></el-table-column>
      <el-table-column :label="$t('payruns.net')" align="right" min-width="120"><template #default="{ row }"><span class="num">{{ yuan(row.net_total_fen) }}</span></template></el-table-column>
      <el-table-column :label="$t('payruns.computedAt')" width="140"><template #default="{ row }">{{ when(row.computed_at, row) || $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('payruns.lockedAt')" width="140"><template #default="{ row }">{{ when(row.locked_at, row) || $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('common.actions')" width="180" fixed="right">
        <template #default="{ row }">
          <el-button link type="primary" @click="open(row)">{{ $t('payruns.open') }}</el-button>
          <template v-if="writer && row.status !== 'locked'">
            <el-button link type="primary" @click="computeRun(row)">{{ row.status === 'draft' ? $t('payruns.compute') : $t('payruns.recompute') }}</el-button>
            <el-button v-if="row.status === 'computed'" link type="danger" @click="startLock(row)">{{ $t('payruns.lock') }}</el-button>
          </template>
        </template>
      </el-table-column>
    </el-table>
    <el-pagination v-if="runs.length > PAGE" v-model:current-page="page" :page-size="PAGE" :total="runs.length" layout="total, prev, pager, next" class="pager" />
  </el-card>

  <el-dialog v-model="creating" :title="$t('payruns.createTitle')" width="min(440px, 94vw)">
    <el-form ref="formRef" :model="form" :rules="rules" label-width="auto">
      <el-form-item :label="$t('payruns.period')" prop="period">
        <el-date-picker v-model="form.period" type="month" value-format="YYYY-MM" format="YYYY-MM" data-test="run-period" />
      </el-form-item>
      <el-form-item :label="$t('payruns.scope')" prop="scope">
        <el-select v-model="form.scope" data-test="run-scope">
          <el-option value="all" :label="$t('payruns.scopeAll')" />
          <el-option v-for="office in offices" :key="office" :value="office" :label="office" />
        </el-select>
      </el-form-item>
    </el-form>
    <template #footer>
      <el-button @click="creating = false">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" @click="create" data-test="create-submit">{{ $t('common.submit') }}</el-button>
    </template>
  </el-dialog>
  <LockDialog @locked="load" />
</div>`,
};
