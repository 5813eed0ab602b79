// The audit log: who did what to which record and when, newest first. The API filters by target and pages by id;
// who, what (action) and when are filtered here over the rows loaded, which load further pages (500 at a time)
// until a page of matches is found or the time range is passed. Verify checks the keyed chain, the anchors,
// locked runs and bank accounts, each finding in words.
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { listAudit, verifyAudit } from "../api/audit.js";
import { showError } from "../components/notify.js";
import { dateTime, utcOf } from "../format.js";
import { isPhone } from "../viewport.js";
import { DEFAULT_ZONE } from "../zones.js";

// Every action punchclock records (gateway append_audit calls), labelled by the catalogue (auditActions.*).
export const ACTIONS = [
  "employee.add", "employee.edit", "employee.delete", "employee.bank_account", "badge.add", "badge.remove",
  "punch.add", "punch.void", "punch.move", "quarantine.dismiss", "piece_records.import", "piece_records.delete",
  "payrun.create", "payrun.compute", "payrun.lock", "device.add", "device.edit", "user.create", "user.disable",
  "user.enable", "user.lock", "user.unlock", "user.password", "user.activation_code", "user.activate",
  "token.create", "token.update", "token.revoke", "keys.rotate",
];
const FINDINGS = ["edited", "re-chained", "missing", "reordered", "truncated", "emptied", "anchor-altered", "payrun-altered", "row-altered"];
const BATCH = 500;
const PAGE = 50;
const MAX_BATCHES = 20;

const actionKey = (action) => `auditActions.${action.replace(/\./g, "_")}`;

export default {
  setup() {
    const { t, te } = useI18n();
    const filters = reactive({ actor: "", action: "", target: "", range: null });
    const loaded = ref([]);
    const exhausted = ref(false);
    const loading = ref(false);
    const shown = ref(PAGE);
    const verdict = ref(null);
    const verifying = ref(false);
    const open = ref(null);

    // The days chosen, on China Standard Time (the audit log belongs to no one office).
    const since = () => (filters.range ? new Date(utcOf(filters.range[0], "00:00", DEFAULT_ZONE)) : null);
    const until = () => (filters.range ? new Date(Date.parse(utcOf(filters.range[1], "00:00", DEFAULT_ZONE)) + 86400000) : null);
    const keep = (row) => {
      const at = new Date(row.at);
      return (!filters.actor || row.actor.toLowerCase().includes(filters.actor.trim().toLowerCase()))
        && (!filters.action || row.action === filters.action)
        && (!since() || (at >= since() && at < until()));
    };
    const matches = computed(() => loaded.value.filter(keep));
    const passed = () => since() && loaded.value.length && new Date(loaded.value[loaded.value.length - 1].at) < since();

    async function fetchMore(want) {
      loading.value = true;
      try {
        for (let n = 0; n < MAX_BATCHES && !exhausted.value && matches.value.length < want && !passed(); n += 1) {
          const last = loaded.value[loaded.value.length - 1];
          const page = await listAudit({ target: filters.target.trim(), limit: BATCH, before_id: last ? last.id : undefined });
          loaded.value = loaded.value.concat(page);
          exhausted.value = page.length < BATCH;
        }
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function search() {
      loaded.value = [];
      exhausted.value = false;
      shown.value = PAGE;
      fetchMore(PAGE);
    }

    function reset() {
      Object.assign(filters, { actor: "", action: "", target: "", range: null });
      search();
    }

    async function more() {
      shown.value += PAGE;
      await fetchMore(shown.value);
    }

    async function verify() {
      verifying.value = true;
      try {
        verdict.value = await verifyAudit();
      } catch (error) {
        showError(error);
      } finally {
        verifying.value = false;
      }
    }

    onMounted(search);
    return {
      filters, matches, exhausted, loading, shown, verdict, verifying, open, isPhone, ACTIONS, search, reset, more, verify,
      rows: computed(() => matches.value.slice(0, shown.value)),
      canMore: computed(() => matches.value.length > shown.value || (!exhausted.value && !passed())),
      actionText: (action) => (te(actionKey(action)) ? t(actionKey(action)) : action),
      findingText: (kind) => (FINDINGS.includes(kind) ? t(`auditFindings.${kind.replace(/-/g, "_")}`) : kind),
      when: (value) => dateTime(value, DEFAULT_ZONE),
      json: (value) => JSON.stringify(value, null, 2),
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('audit.title') }}</h2>
    <span class="spacer"></span>
    <el-button type="primary" :loading="verifying" @click="verify" data-test="audit-verify"><el-icon><IconCircleCheck /></el-icon><span>{{ $t('audit.verify') }}</span></el-button>
  </div>
  <el-card v-if="verdict" shadow="never" class="block" data-test="audit-verdict">
    <el-alert :type="verdict.intact ? 'success' : 'error'" :closable="false" show-icon class="block"
      :title="verdict.intact ? $t('audit.intact') : $t('audit.broken', { n: verdict.findings.length, id: verdict.first_broken_id ?? '' })" />
    <el-descriptions :column="isPhone ? 1 : 5" border class="block">
      <el-descriptions-item :label="$t('audit.rows')">{{ verdict.rows }}</el-descriptions-item>
      <el-descriptions-item :label="$t('audit.headSeq')">{{ verdict.head_seq }}</el-descriptions-item>
      <el-descriptions-item :label="$t('audit.anchors')">{{ verdict.anchors }}</el-descriptions-item>
      <el-descriptions-item :label="$t('audit.lockedRuns')">{{ verdict.locked_runs }}</el-descriptions-item>
      <el-descriptions-item :label="$t('audit.bankAccounts')">{{ verdict.bank_accounts }}</el-descriptions-item>
    </el-descriptions>
    <el-table v-if="verdict.findings.length" :data="verdict.findings" data-test="audit-findings">
      <el-table-column :label="$t('audit.findingKind')" width="160"><template #default="{ row }"><el-tag type="danger" :data-kind="row.kind">{{ findingText(row.kind) }}</el-tag></template></el-table-column>
      <el-table-column :label="$t('audit.row')" width="90"><template #default="{ row }">{{ row.row_id ?? $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('audit.findingMessage')" min-width="300"><template #default="{ row }"><span class="problem-detail">{{ row.message }}</span></template></el-table-column>
    </el-table>
    <ul v-if="verdict.notes.length" class="muted notes"><li v-for="(note, i) in verdict.notes" :key="i">{{ note }}</li></ul>
  </el-card>
  <el-card shadow="never" class="block">
    <el-form inline class="filter-form" @submit.prevent="search">
      <el-form-item :label="$t('audit.actor')"><el-input v-model="filters.actor" clearable class="filter-input" name="actor" :placeholder="$t('audit.actorHint')" @keyup.enter="search" /></el-form-item>
      <el-form-item :label="$t('audit.action')">
        <el-select v-model="filters.action" clearable filterable :placeholder="$t('common.all')" class="filter-select" data-test="audit-action">
          <el-option v-for="a in ACTIONS" :key="a" :value="a" :label="actionText(a)" />
        </el-select>
      </el-form-item>
      <el-form-item :label="$t('audit.target')"><el-input v-model="filters.target" clearable class="filter-input" name="target" :placeholder="$t('audit.targetHint')" @keyup.enter="search" /></el-form-item>
      <el-form-item :label="$t('audit.when')"><el-date-picker v-model="filters.range" type="daterange" value-format="YYYY-MM-DD" format="YYYY-MM-DD" :start-placeholder="$t('audit.from')" :end-placeholder="$t('audit.to')" class="range-input" /></el-form-item>
      <el-form-item>
        <el-button type="primary" @click="search" data-test="audit-search">{{ $t('common.search') }}</el-button>
        <el-button @click="reset">{{ $t('common.reset') }}</el-button>
      </el-form-item>
    </el-form>
  </el-card>
  <el-card shadow="never" v-loading="loading">
    <div v-if="isPhone" class="line-cards" data-test="audit">
      <p v-if="!loading && !rows.length" class="muted">{{ $t('audit.none') }}</p>
      <div v-for="row in rows" :key="row.id" class="line-card clickable" @click="open = row">
        <div class="line-head"><strong>{{ actionText(row.action) }}</strong><span class="muted">#{{ row.id }}</span></div>
        <div class="muted">{{ when(row.at) }} · {{ row.actor }}</div>
        <div class="muted">{{ row.target }}</div>
      </div>
    </div>
    <el-table v-else :data="rows" data-test="audit" :empty-text="$t('audit.none')" @row-click="(row) => (open = row)" row-class-name="clickable">
      <el-table-column prop="id" label="#" width="70" />
      <el-table-column :label="$t('audit.at')" width="140"><template #default="{ row }">{{ when(row.at) }}</template></el-table-column>
      <el-table-column :label="$t('audit.actor')" prop="actor" min-width="150" />
      <el-table-column :label="$t('audit.action')" min-width="150"><template #default="{ row }">{{ actionText(row.action) }}<div class="muted small-text">{{ row.action }}</div></template></el-table-column>
      <el-table-column :label="$t('audit.target')" prop="target" min-width="150" />
    </el-table>
    <div class="pager"><el-button v-if="canMore" :loading="loading" @click="more" data-test="audit-more">{{ $t('audit.more') }}</el-button></div>
  </el-card>
  <el-drawer :model-value="open !== null" :title="open ? $t('audit.rowTitle', { id: open.id }) : ''" size="min(560px, 100vw)" @close="open = null">
    <template v-if="open">
      <el-descriptions :column="1" border class="block">
        <el-descriptions-item :label="$t('audit.at')">{{ when(open.at) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('audit.actor')">{{ open.actor }}</el-descriptions-item>
        <el-descriptions-item :label="$t('audit.action')">{{ actionText(open.action) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('audit.target')">{{ open.target }}</el-descriptions-item>
      </el-descriptions>
      <h4 class="section-title">{{ $t('audit.before') }}</h4><pre class="json">{{ json(open.before) }}</pre>
      <h4 class="section-title">{{ $t('audit.after') }}</h4><pre class="json">{{ json(open.after) }}</pre>
      <div class="digest muted">{{ $t('audit.hash', { hash: open.row_hash }) }}</div>
    </template>
  </el-drawer>
</div>`,
};
