// The 离职结算单 of one resignation: who, the last day, the termination reason (HR picks it), each settlement line
// with its rule (from the leaving month's payslip: the API answers 409 until that run is computed, and the page says
// so), the handover checklist (HR ticks items), the XLSX download and 打印 (print CSS: one A4 page, no menu, no
// buttons). HR opens it from a resignation (`/resignations/:id`); the leaver sees their own under 我的离职结算.
import { ElMessage } from "element-plus";
import { computed, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute } from "vue-router";
import { WRITERS, auth } from "../auth.js";
import { myRequests } from "../api/selfService.js";
import {
  downloadSettlement, getResignation, getSettlement, resignationOf, setTermination, terminations, tickHandover,
} from "../api/resignations.js";
import { showError } from "../components/notify.js";
import { fenOf, localDateTime, yuan } from "../format.js";

export default {
  setup() {
    const { t } = useI18n();
    const route = useRoute();
    const terms = ref(null); // GET /resignations/{id}
    const sheet = ref(null); // GET /settlements/{code}
    const notReady = ref(""); // the API's 409 detail while the leaving month is not computed
    const reasons = ref([]);
    const missing = ref(false);
    const loading = ref(false);
    const saving = ref(false);
    const pick = ref("");
    const base = ref("");
    const writer = computed(() => Boolean(auth.me && WRITERS.includes(auth.me.role)));
    const chosen = computed(() => reasons.value.find((r) => r.code === pick.value) || null);

    async function loadSheet(code) {
      sheet.value = null;
      notReady.value = "";
      try {
        sheet.value = await getSettlement(code);
      } catch (error) {
        if (error.status === 409) notReady.value = error.detail;
        else throw error;
      }
    }

    async function requestId() {
      if (route.params.id) return Number(route.params.id);
      const found = resignationOf(await myRequests());
      return found ? found.id : null;
    }

    async function load() {
      loading.value = true;
      missing.value = false;
      try {
        const id = await requestId();
        if (id === null) return (missing.value = true);
        terms.value = await getResignation(id);
        pick.value = terms.value.termination.code;
        if (writer.value && !reasons.value.length) reasons.value = await terminations();
        await loadSheet(terms.value.employee);
      } catch (error) {
        if (error.status === 404) missing.value = true;
        else showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function saveTermination() {
      const fen = base.value.trim() ? fenOf(base.value) : null;
      if (base.value.trim() && fen === null) return ElMessage.error(t("settlement.baseInvalid"));
      saving.value = true;
      try {
        terms.value = await setTermination(terms.value.request_id, pick.value, chosen.value && chosen.value.severance ? fen : null);
        const draft = sheet.value && !sheet.value.locked;
        ElMessage.success(draft ? t("settlement.recompute", { period: sheet.value.period }) : t("settlement.terminationSaved"));
        await loadSheet(terms.value.employee);
      } catch (error) {
        showError(error);
      } finally {
        saving.value = false;
      }
    }

    async function tick(item, done) {
      try {
        terms.value = await tickHandover(terms.value.request_id, item.position, done);
      } catch (error) {
        showError(error);
      }
    }

    async function xlsx() {
      try {
        await downloadSettlement(terms.value.employee);
      } catch (error) {
        showError(error);
      }
    }

    watch(() => route.fullPath, load, { immediate: true });
    return {
      terms, sheet, notReady, reasons, missing, loading, saving, pick, base, writer, chosen, yuan,
      localDateTime, saveTermination, tick, xlsx, print: () => window.print(),
      doneCount: computed(() => (terms.value ? terms.value.handover.filter((i) => i.done_by).length : 0)),
    };
  },
  template: `
<div class="page settlement-page" v-loading="loading" data-test="settlement">
  <el-empty v-if="missing" :description="$t('settlement.none')" data-test="settlement-none" />
  <template v-if="terms">
    <div class="page-head settlement-head">
      <h2 class="page-title">{{ $t('settlement.title') }}</h2>
      <div class="button-row no-print">
        <el-button :disabled="!sheet" @click="xlsx" data-test="settlement-xlsx">{{ $t('settlement.download') }}</el-button>
        <el-button type="primary" @click="print" data-test="settlement-print">{{ $t('settlement.print') }}</el-button>
      </div>
    </div>
    <dl class="settlement-facts" data-test="settlement-facts">
      <div><dt>{{ $t('settlement.employee') }}</dt><dd>{{ $t('settlement.who', { name: terms.employee_name, code: terms.employee }) }}</dd></div>
      <div v-if="sheet"><dt>{{ $t('settlement.office') }}</dt><dd>{{ sheet.office || $t('common.none') }}</dd></div>
      <div v-if="sheet"><dt>{{ $t('settlement.hiredOn') }}</dt><dd>{{ sheet.hired_on || $t('common.none') }}</dd></div>
      <div><dt>{{ $t('settlement.lastDay') }}</dt><dd>{{ terms.last_day }}</dd></div>
      <div><dt>{{ $t('settlement.request') }}</dt><dd>{{ $t('settlement.requestState', { id: terms.request_id, status: $t('requests.status.' + terms.status) }) }}</dd></div>
      <div v-if="sheet"><dt>{{ $t('settlement.period') }}</dt><dd>{{ sheet.period }} · <span :class="sheet.locked ? '' : 'warn-text'" data-test="settlement-locked">{{ sheet.locked ? $t('settlement.locked') : $t('settlement.draft') }}</span></dd></div>
    </dl>

    <h3 class="section-title">{{ $t('settlement.reason') }}</h3>
    <div v-if="writer" class="settlement-reason no-print" data-test="termination-form">
      <el-select v-model="pick" class="reason-select" data-test="termination-select">
        <el-option v-for="r in reasons" :key="r.code" :value="r.code" :label="r.name" />
      </el-select>
      <el-input v-if="chosen && chosen.severance" v-model="base" class="base-input" inputmode="decimal" :placeholder="$t('settlement.baseHint')" data-test="severance-base"><template #append>{{ $t('settlement.yuan') }}</template></el-input>
      <el-button type="primary" :loading="saving" :disabled="terms.status !== 'pending' && terms.status !== 'approved'" @click="saveTermination" data-test="termination-save">{{ $t('common.save') }}</el-button>
      <div class="muted small-text">{{ chosen ? chosen.law : '' }}</div>
    </div>
    <p class="settlement-reason-text" :class="{ 'print-only': writer }" data-test="termination-text">
      <strong>{{ terms.termination.name }}</strong><span class="muted"> · {{ terms.termination.law }}</span>
    </p>

    <h3 class="section-title">{{ $t('settlement.lines') }}</h3>
    <el-alert v-if="notReady" type="info" :closable="false" show-icon :title="$t('settlement.notReady')" :description="notReady" data-test="settlement-not-ready" />
    <table v-if="sheet" class="settlement-table" data-test="settlement-lines">
      <thead><tr><th>{{ $t('settlement.item') }}</th><th class="amount">{{ $t('settlement.amount') }}</th></tr></thead>
      <tbody>
        <tr v-for="line in sheet.lines" :key="line.code" :class="{ total: line.code === 'NET' || line.code === 'GROSS' }" :data-line="line.code">
          <td><div class="line-name">{{ line.name }}</div><div class="line-rule">{{ line.rule }}</div></td>
          <td class="amount">{{ yuan(line.amount_fen) }}</td>
        </tr>
      </tbody>
    </table>

    <h3 class="section-title">{{ $t('settlement.handover', { done: doneCount, total: terms.handover.length }) }}</h3>
    <p v-if="!terms.handover.length" class="muted">{{ $t('settlement.handoverLater') }}</p>
    <ul class="handover-list" data-test="handover">
      <li v-for="item in terms.handover" :key="item.position" :data-item="item.position">
        <el-checkbox :model-value="Boolean(item.done_by)" :disabled="!writer" @change="(v) => tick(item, v)">{{ item.item }}</el-checkbox>
        <span v-if="item.done_by" class="muted small-text">{{ $t('settlement.doneBy', { who: item.done_by, at: localDateTime(item.done_at) }) }}</span>
      </li>
    </ul>

    <div class="signatures">
      <span>{{ $t('settlement.signEmployee') }}</span><span>{{ $t('settlement.signHr') }}</span><span>{{ $t('settlement.signDate') }}</span>
    </div>
  </template>
</div>`,
};
