// One pay run: its figures, compute (the recompute's changes in yuan, or "no changes"), lock, its payslips,
// and the month's exports with the bank file check (who the bank file leaves out).
import { computed, onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute, useRouter } from "vue-router";
import { BANK_CHECK_REASONS, bankCheck, downloadExport } from "../api/exports.js";
import { getPayRun } from "../api/payruns.js";
import { runReceipts } from "../api/selfService.js";
import { canWrite } from "../auth.js";
import LockDialog from "../components/LockDialog.js";
import { showError } from "../components/notify.js";
import { compute, scopeText, startLock } from "../components/payRunActions.js";
import StatusTag from "../components/StatusTag.js";
import { dateTime, yuan } from "../format.js";
import { isPhone } from "../viewport.js";
import { zoneOf } from "../zones.js";

const PAGE = 20;

export default {
  components: { LockDialog, StatusTag },
  setup() {
    const { t, te } = useI18n();
    const route = useRoute();
    const router = useRouter();
    const run = ref(null);
    const loading = ref(false);
    const busy = ref(false);
    const filter = ref("");
    const page = ref(1);
    // Whether the run shown was computed in this visit, and from which status: a first computation has no changes.
    const lastCompute = ref(null);
    const bank = ref(null);
    const writer = computed(canWrite);
    // Employee self-service: who opened, confirmed or questioned each payslip of a locked run, by payslip id.
    const receipts = ref(new Map());
    const receiptState = ref("");

    async function load() {
      loading.value = true;
      try {
        run.value = await getPayRun(route.params.id);
        const rows = run.value.status === "locked" ? await runReceipts(run.value.id) : [];
        receipts.value = new Map(rows.map((r) => [r.payslip, r]));
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    async function computeRun() {
      busy.value = true;
      const before = run.value.status;
      const computed = await compute(run.value);
      busy.value = false;
      if (computed) {
        lastCompute.value = { first: before === "draft" };
        await load();
      }
    }

    async function checkBank() {
      try {
        bank.value = await bankCheck(run.value.period);
      } catch (error) {
        showError(error);
      }
    }

    async function exportFile(kind, format) {
      try {
        await downloadExport(run.value.period, kind, format);
      } catch (error) {
        showError(error);
      }
    }

    const slips = computed(() => {
      const needle = filter.value.trim().toLowerCase();
      const stated = run.value ? run.value.payslips || [] : [];
      const all = receiptState.value ? stated.filter((s) => (receipts.value.get(s.id) || {}).state === receiptState.value) : stated;
      return needle ? all.filter((s) => s.employee.toLowerCase().includes(needle) || s.name.toLowerCase().includes(needle)) : all;
    });
    const shownSlips = computed(() => slips.value.slice((page.value - 1) * PAGE, page.value * PAGE));
    const changesState = computed(() => {
      if (!run.value || run.value.status === "draft") return "notComputed";
      if (run.value.changes.length) return "changes";
      if (!lastCompute.value) return "unchanged";
      return lastCompute.value.first ? "first" : "none";
    });
    const fieldName = (field) => (te(`figures.${field}`) ? t(`figures.${field}`) : field);
    const money = (fen) => (fen === null ? t("payrun.noPayslip") : yuan(fen));
    const difference = (change) => (change.old === null || change.new === null ? "" : yuan(change.new - change.old));
    const reasonText = (reason) => (BANK_CHECK_REASONS[reason] ? t(BANK_CHECK_REASONS[reason]) : reason);
    const when = (value) => (run.value ? dateTime(value, zoneOf(run.value.scope)) : "");

    onMounted(load);
    return {
      run, loading, busy, filter, page, PAGE, slips, shownSlips, changesState, bank, writer,
      load, computeRun, checkBank, exportFile, startLock, scopeText, fieldName, money, difference, when, yuan, reasonText, isPhone,
      receipts, receiptState, RECEIPT_STATES: ["unviewed", "viewed", "confirmed", "questioned"],
      receiptTag: (state) => ({ unviewed: "info", viewed: "primary", confirmed: "success", questioned: "danger" })[state],
      openSlip: (slip) => router.push({ name: "payslip", params: { id: slip.id } }),
    };
  },
  template: `
<div class="page" v-loading="loading">
  <el-page-header class="block" @back="$router.push({ name: 'payruns' })" :title="$t('common.back')">
    <template #content><span class="page-title" v-if="run">{{ $t('payrun.title', { id: run.id, period: run.period, scope: scopeText(run.scope) }) }}</span></template>
  </el-page-header>
  <template v-if="run">
    <el-card shadow="never" class="block">
      <template #header>
        <div class="card-head">
          <strong>{{ $t('payrun.summary') }}</strong> <StatusTag :status="run.status" />
          <span class="spacer"></span>
          <template v-if="writer && run.status !== 'locked'">
            <el-button type="primary" :loading="busy" @click="computeRun" data-test="compute">{{ run.status === 'draft' ? $t('payruns.compute') : $t('payruns.recompute') }}</el-button>
            <el-button v-if="run.status === 'computed'" type="danger" @click="startLock(run)" data-test="lock">{{ $t('payruns.lock') }}</el-button>
          </template>
        </div>
      </template>
      <el-descriptions :column="isPhone ? 1 : 3" border size="small" class="run-facts">
        <el-descriptions-item :label="$t('payruns.gross')"><span class="num" data-test="run-gross">{{ yuan(run.gross_total_fen) }}</span></el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.net')"><span class="num" data-test="run-net">{{ yuan(run.net_total_fen) }}</span></el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.rulesVersion')">{{ run.rules_version || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.createdBy')">{{ run.created_by }}</el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.computedAt')">{{ when(run.computed_at) || $t('common.none') }}</el-descriptions-item>
        <el-descriptions-item :label="$t('payruns.lockedAt')">{{ when(run.locked_at) || $t('common.none') }}<span v-if="run.locked_by"> · {{ run.locked_by }}</span></el-descriptions-item>
      </el-descriptions>
    </el-card>

    <el-card shadow="never" class="block" data-test="changes">
      <template #header><strong>{{ $t('payrun.changes') }}</strong><span v-if="changesState === 'changes'" class="muted"> · {{ $t('payrun.changesCount', { n: run.changes.length }) }}</span></template>
      <p v-if="changesState === 'notComputed'" class="muted">{{ $t('payrun.notComputed') }}</p>
      <p v-else-if="changesState === 'first'" class="muted" data-test="first-compute">{{ $t('payrun.firstCompute') }}</p>
      <p v-else-if="changesState === 'unchanged'" class="muted">{{ $t('payrun.unchanged') }}</p>
      <el-alert v-else-if="changesState === 'none'" type="success" :title="$t('payrun.noChanges')" :closable="false" show-icon data-test="no-changes" />
      <el-table v-else :data="run.changes" size="small" max-height="360">
        <el-table-column :label="$t('payrun.employee')" prop="employee" width="120" />
        <el-table-column :label="$t('payrun.field')" min-width="140"><template #default="{ row }">{{ fieldName(row.field) }}</template></el-table-column>
        <el-table-column :label="$t('payrun.old')" align="right"><template #default="{ row }"><span class="num">{{ money(row.old) }}</span></template></el-table-column>
        <el-table-column :label="$t('payrun.new')" align="right"><template #default="{ row }"><span class="num">{{ money(row.new) }}</span></template></el-table-column>
        <el-table-column :label="$t('payrun.difference')" align="right"><template #default="{ row }"><span class="num">{{ difference(row) }}</span></template></el-table-column>
      </el-table>
    </el-card>

    <el-card shadow="never" class="block">
      <template #header><strong>{{ $t('payrun.exports') }}</strong></template>
      <div class="button-row">
        <el-button @click="exportFile('pay-sheet', 'xlsx')"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.paysheetXlsx') }}</span></el-button>
        <el-button @click="exportFile('pay-sheet', 'csv')"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.paysheetCsv') }}</span></el-button>
        <el-button @click="exportFile('attendance', 'xlsx')" data-test="export-attendance"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.attendanceReport') }}</span></el-button>
        <template v-if="writer">
          <el-button :disabled="run.status !== 'locked'" @click="exportFile('bank', 'csv')"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.bankFile') }}</span></el-button>
          <el-button :disabled="run.status !== 'locked'" @click="exportFile('bank', 'xlsx')"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.bankFileXlsx') }}</span></el-button>
          <el-button :disabled="run.status !== 'locked'" @click="exportFile('iit', 'xlsx')" data-test="export-iit"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.iitSalary') }}</span></el-button>
          <el-button :disabled="run.status !== 'locked'" @click="exportFile('iit-bonus', 'xlsx')"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.iitBonus') }}</span></el-button>
          <el-button :disabled="run.status !== 'locked'" @click="exportFile('iit-people', 'xlsx')"><el-icon><IconDownload /></el-icon><span>{{ $t('payrun.iitPeople') }}</span></el-button>
          <el-button :disabled="run.status !== 'locked'" @click="checkBank" data-test="bank-check">{{ $t('payrun.bankCheck') }}</el-button>
        </template>
      </div>
      <div v-if="bank" class="block" data-test="bank-result">
        <h4>{{ $t('payrun.bankCheckTitle', { period: run.period }) }}</h4>
        <el-descriptions :column="2" border size="small">
          <el-descriptions-item :label="$t('payrun.transfers')">{{ bank.transfers }}</el-descriptions-item>
          <el-descriptions-item :label="$t('payrun.transferTotal')"><span class="num">{{ yuan(bank.total_fen) }}</span></el-descriptions-item>
        </el-descriptions>
        <p v-if="!bank.excluded.length" class="muted">{{ $t('payrun.nothingExcluded') }}</p>
        <template v-else>
          <p><strong>{{ $t('payrun.excluded') }}</strong></p>
          <el-table :data="bank.excluded" size="small">
            <el-table-column :label="$t('payrun.employee')" prop="employee" width="120" />
            <el-table-column :label="$t('payrun.name')" prop="name" />
            <el-table-column :label="$t('payrun.net')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.net_fen) }}</span></template></el-table-column>
            <el-table-column :label="$t('payrun.reason')" min-width="200"><template #default="{ row }">{{ reasonText(row.reason) }}</template></el-table-column>
          </el-table>
        </template>
      </div>
    </el-card>

    <el-card shadow="never" class="block">
      <template #header>
        <div class="card-head"><strong>{{ $t('payrun.payslips', { n: slips.length }) }}</strong><span class="spacer"></span>
          <el-input v-model="filter" :placeholder="$t('payrun.filter')" clearable class="filter-input" @input="page = 1" />
          <el-select v-if="receipts.size" v-model="receiptState" clearable :placeholder="$t('self.receipts.filter')" class="filter-select" data-test="receipt-filter" @change="page = 1">
            <el-option v-for="st in RECEIPT_STATES" :key="st" :value="st" :label="$t('self.receipts.state.' + st)" />
          </el-select>
        </div>
      </template>
      <el-table :data="shownSlips" size="small" data-test="run-payslips" :empty-text="$t('common.empty')" @row-click="openSlip" row-class-name="clickable">
        <el-table-column :label="$t('payrun.employee')" prop="employee" :width="isPhone ? 96 : 120" />
        <el-table-column :label="$t('payrun.name')" prop="name" min-width="90" />
        <el-table-column v-if="!isPhone" :label="$t('payrun.gross')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.gross_fen) }}</span></template></el-table-column>
        <el-table-column v-if="!isPhone" :label="$t('payrun.iit')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.iit_fen) }}</span></template></el-table-column>
        <el-table-column :label="$t('payrun.net')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.net_fen) }}</span></template></el-table-column>
        <el-table-column v-if="receipts.size" :label="$t('self.receipts.column')" :min-width="isPhone ? 90 : 220"><template #default="{ row }"><template v-if="receipts.get(row.id)">
          <el-tag size="small" :type="receiptTag(receipts.get(row.id).state)" :data-receipt="receipts.get(row.id).state">{{ $t('self.receipts.state.' + receipts.get(row.id).state) }}</el-tag>
          <span v-if="receipts.get(row.id).question" class="receipt-question small-text" data-test="receipt-question">{{ receipts.get(row.id).question }}</span></template></template></el-table-column>
      </el-table>
      <el-pagination v-if="slips.length > PAGE" v-model:current-page="page" :page-size="PAGE" :total="slips.length" layout="total, prev, pager, next" class="pager" />
    </el-card>
  </template>
  <LockDialog @locked="load" />
</div>`,
};
