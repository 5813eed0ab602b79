// 待我审批: the requests the logged-in approver may decide now (a manager: their people's at the first step; HR
// and admin: every pending one, the second step included), newest first. Clicking one shows the employee's month
// beside it (beneath it on a phone); ticked ones are approved or rejected together with one comment, and each
// one's result is listed as the API words it (one may have been withdrawn or decided by someone else meanwhile).
import { ElMessage } from "element-plus";
import { computed, onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { decideRequests, getInbox } from "../api/requests.js";
import RequestCalendar from "../components/RequestCalendar.js";
import RequestDrawer from "../components/RequestDrawer.js";
import { showError } from "../components/notify.js";
import { pending } from "../components/pendingCount.js";
import { requestCells } from "../components/requestText.js";
import { isPhone } from "../viewport.js";

export default {
  components: { RequestCalendar, RequestDrawer },
  setup() {
    const { t, te } = useI18n();
    const items = ref([]);
    const loading = ref(false);
    const picked = ref(new Set());
    const current = ref(null);
    const comment = ref("");
    const deciding = ref(false);
    const results = ref([]); // the last decision's per-id results, with what each request was
    const detailId = ref(null);

    async function load() {
      loading.value = true;
      try {
        items.value = await getInbox();
        pending.count = items.value.length;
        picked.value = new Set([...picked.value].filter((id) => items.value.some((r) => r.id === id)));
        if (current.value && !items.value.some((r) => r.id === current.value.id)) current.value = null;
        if (!current.value && !isPhone.value && items.value.length) current.value = items.value[0];
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function toggle(r) {
      const next = new Set(picked.value);
      if (next.has(r.id)) next.delete(r.id);
      else next.add(r.id);
      picked.value = next;
    }
    const allPicked = computed(() => items.value.length > 0 && picked.value.size === items.value.length);
    const pickAll = (on) => (picked.value = new Set(on ? items.value.map((r) => r.id) : []));

    async function decide(approve) {
      const ids = [...picked.value];
      if (!ids.length) return;
      const asked = new Map(items.value.map((r) => [r.id, r]));
      deciding.value = true;
      try {
        const answers = await decideRequests(ids, approve, comment.value.trim());
        results.value = answers.map((a) => ({ ...a, request: asked.get(a.id) }));
        const done = answers.filter((a) => a.ok).length;
        const message = t("inbox.decided", { done, failed: answers.length - done });
        if (done === answers.length) ElMessage.success(message);
        else ElMessage.warning(message);
        comment.value = "";
        picked.value = new Set();
        await load();
      } catch (error) {
        showError(error);
      } finally {
        deciding.value = false;
      }
    }

    function resultText(a) {
      if (!a.ok) return t("inbox.failed", { detail: a.detail });
      if (a.status === "pending") return t("inbox.toHr");
      return t(`requests.status.${a.status}`);
    }

    onMounted(load);
    return {
      items, loading, picked, current, comment, deciding, results, detailId, isPhone, allPicked,
      load, toggle, pickAll, decide, resultText,
      open: (r) => (current.value = current.value && current.value.id === r.id && isPhone.value ? null : r),
      ...requestCells(t, te),
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('inbox.title') }} <el-tag type="warning" round data-test="inbox-count">{{ $t('inbox.count', { n: items.length }) }}</el-tag></h2>
    <el-button @click="load" :loading="loading">{{ $t('common.refresh') }}</el-button>
  </div>
  <el-card shadow="never" class="block inbox-bar">
    <el-checkbox :model-value="allPicked" :disabled="!items.length" @change="pickAll" data-test="inbox-pick-all">{{ $t('inbox.pickAll') }}</el-checkbox>
    <span class="muted" data-test="inbox-picked">{{ $t('inbox.picked', { n: picked.size }) }}</span>
    <el-input v-model="comment" maxlength="1000" name="comment" class="inbox-comment" :placeholder="$t('inbox.commentHint')" data-test="inbox-comment" />
    <el-button type="success" :disabled="!picked.size" :loading="deciding" @click="decide(true)" data-test="inbox-approve">{{ $t('inbox.approve') }}</el-button>
    <el-button type="danger" :disabled="!picked.size" :loading="deciding" @click="decide(false)" data-test="inbox-reject">{{ $t('inbox.reject') }}</el-button>
  </el-card>
  <el-card v-if="results.length" shadow="never" class="block" data-test="inbox-results">
    <template #header><div class="page-head"><strong>{{ $t('inbox.resultsTitle') }}</strong><el-button link @click="results = []">{{ $t('common.close') }}</el-button></div></template>
    <div v-for="a in results" :key="a.id" class="problem" :class="{ failed: !a.ok }" :data-id="a.id" data-test="inbox-result">
      <el-tag size="small" :type="a.ok ? 'success' : 'danger'">{{ a.ok ? $t('inbox.ok') : $t('inbox.notDone') }}</el-tag>
      <span>{{ $t('inbox.resultOf', { id: a.id, name: a.request ? a.request.employee_name : '', kind: a.request ? kind(a.request) : '' }) }}</span>
      <span :class="{ 'danger-text': !a.ok }">{{ resultText(a) }}</span>
    </div>
  </el-card>
  <div class="inbox-layout" :class="{ phone: isPhone }" v-loading="loading">
    <div class="inbox-list" data-test="inbox">
      <el-empty v-if="!loading && !items.length" :description="$t('inbox.empty')" />
      <div v-for="r in items" :key="r.id" class="inbox-item" :class="{ open: current && current.id === r.id }" :data-id="r.id" data-test="inbox-item" @click="open(r)">
        <div class="inbox-row">
          <el-checkbox :model-value="picked.has(r.id)" @change="toggle(r)" @click.stop :aria-label="$t('inbox.pickOne', { id: r.id })" data-test="inbox-pick" />
          <div class="inbox-main">
            <div class="inbox-who"><strong>{{ r.employee_name }}</strong><span class="muted">{{ r.employee }} · {{ r.department || $t('common.none') }}</span></div>
            <div class="inbox-what"><el-tag size="small" effect="plain">{{ kind(r) }}</el-tag><span data-test="inbox-span">{{ span(r) }}</span><span class="muted">{{ amount(r) }}</span></div>
            <div class="muted inbox-reason">{{ r.reason }}</div>
            <div class="muted inbox-step">{{ state(r) }} · #{{ r.id }}</div>
          </div>
          <el-button link type="primary" @click.stop="detailId = r.id" data-test="inbox-detail">{{ $t('requests.history') }}</el-button>
        </div>
        <RequestCalendar v-if="isPhone && current && current.id === r.id" :request="r" @click.stop />
      </div>
    </div>
    <div v-if="!isPhone" class="inbox-side">
      <el-card shadow="never">
        <RequestCalendar v-if="current" :request="current" />
        <el-empty v-else :description="$t('inbox.pickToSee')" />
      </el-card>
    </div>
  </div>
  <RequestDrawer :request-id="detailId" @close="detailId = null" />
</div>`,
};
