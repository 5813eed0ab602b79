// One request in a drawer: what is asked, its state, and its history (who did what when, with the comment). A
// personnel change (转正, 调薪, 调动) shows its terms next to those in force the day before (旧 → 新) and its two
// approval steps (the manager, then HR) with the one it waits for.
import { ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRouter } from "vue-router";
import { getRequest } from "../api/requests.js";
import { localDateTime } from "../format.js";
import { showError } from "./notify.js";
import { actorText, changeRows, requestCells, STATUS_TYPES } from "./requestText.js";

const ACTION_TYPES = { submitted: "primary", approved: "success", rejected: "danger", withdrawn: "info" };

export default {
  props: { requestId: { type: Number, default: null } },
  emits: ["close"],
  setup(props) {
    const { t, te } = useI18n();
    const router = useRouter();
    const request = ref(null);
    const loading = ref(false);

    async function load(id) {
      request.value = null;
      if (id === null) return;
      loading.value = true;
      try {
        request.value = await getRequest(id);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    watch(() => props.requestId, load, { immediate: true });
    return {
      request, loading, STATUS_TYPES, ACTION_TYPES, localDateTime,
      settlement: (r) => router.push({ name: "settlement", params: { id: r.id } }),
      ...requestCells(t, te),
      actor: (actor) => actorText(actor, t, te),
      changes: (r) => changeRows(r, t),
      // the step el-steps shows as current: the one it waits for (or was rejected or withdrawn at); past the last
      // once approved
      stepNow: (r) => (r.status === "approved" ? r.steps : r.step - 1),
      stepStatus: (r) => ({ approved: "success", rejected: "error", withdrawn: "wait", pending: "process" })[r.status],
    };
  },
  template: `
<el-drawer :model-value="requestId !== null" :title="$t('requests.detailTitle', { id: requestId || '' })" size="min(480px, 100vw)" @close="$emit('close')" data-test="request-drawer">
  <div v-loading="loading">
    <template v-if="request">
      <el-descriptions :column="1" border class="block">
        <el-descriptions-item :label="$t('requests.employee')">{{ request.employee_name }} ({{ request.employee }})</el-descriptions-item>
        <el-descriptions-item :label="$t('requests.department')">{{ request.department || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('requests.kind')">{{ kind(request) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('requests.when')">{{ span(request) }}</el-descriptions-item>
        <el-descriptions-item v-if="request.kind !== 'change'" :label="$t('requests.amount')">{{ amount(request) || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('requests.reason')">{{ request.reason }}</el-descriptions-item>
        <el-descriptions-item :label="$t('requests.statusLabel')"><el-tag size="small" :type="STATUS_TYPES[request.status]" data-test="request-status">{{ state(request) }}</el-tag></el-descriptions-item>
        <el-descriptions-item :label="$t('requests.steps')">{{ $t('requests.stepsText', { steps: request.steps }) }}</el-descriptions-item>
        <el-descriptions-item :label="$t('requests.createdBy')">{{ actor(request.created_by) }}</el-descriptions-item>
        <el-descriptions-item v-if="request.attachment" :label="$t('requests.attachment')">{{ request.attachment }}</el-descriptions-item>
      </el-descriptions>
      <template v-if="request.kind === 'change'">
        <h4 class="section-title">{{ $t('change.termsTitle', { day: request.change.effective_from }) }}</h4>
        <el-table :data="changes(request)" row-key="field" class="block" data-test="change-terms">
          <el-table-column :label="$t('terms.field')" prop="label" min-width="90" />
          <el-table-column :label="$t('change.old')" prop="old" min-width="90" />
          <el-table-column :label="$t('change.new')" min-width="90"><template #default="{ row }"><strong>{{ row.new }}</strong></template></el-table-column>
        </el-table>
        <el-steps :active="stepNow(request)" :process-status="stepStatus(request)" finish-status="success" align-center class="block" data-test="change-steps">
          <el-step :title="$t('change.stepManager')" />
          <el-step :title="$t('change.stepHr')" />
        </el-steps>
      </template>
      <el-button v-if="request.kind === 'resignation'" type="primary" class="block" @click="settlement(request)" data-test="open-settlement">{{ $t('settlement.open') }}</el-button>
      <h4 class="section-title">{{ $t('requests.history') }}</h4>
      <el-timeline data-test="request-history">
        <el-timeline-item v-for="(e, i) in request.history" :key="i" :timestamp="localDateTime(e.at)" :type="ACTION_TYPES[e.action]">
          <strong>{{ $t('requests.actions.' + e.action) }}</strong> · {{ actor(e.actor) }}
          <div v-if="e.comment" class="muted">{{ e.comment }}</div>
        </el-timeline-item>
      </el-timeline>
    </template>
  </div>
</el-drawer>`,
};
