// Terminals: each with its health (red for failing, amber for a warning, the problems in words: unreachable,
// wrong comm key, clock offset, not read recently), read now with its result, add and edit (admin), and the
// push terminals the receiver refused, each with a button that adds it as a device.
// There is no "set clock" call of its own: a read sets the clock when the terminal's config says so (SyncResult
// clock_set). Health history is not stored; the last success and the last error are shown.
import { ElMessage } from "element-plus";
import { computed, onMounted, reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { createDevice, listDevices, listUnknownPush, syncDevice, updateDevice } from "../api/devices.js";
import { can, canWrite } from "../auth.js";
import { showError } from "../components/notify.js";
import { knownOffices } from "../components/offices.js";
import { offsetText } from "../explain.js";
import { dateTime } from "../format.js";
import { isPhone } from "../viewport.js";
import { DEFAULT_ZONE, zoneOf } from "../zones.js";

const STATE_TYPES = { ok: "success", warning: "warning", failing: "danger", "never polled": "info" };
export const KINDS = ["zk-tcp", "zk-udp", "zk-soap", "zk-push", "comet-csv"];
const REFUSALS = {
  "unknown serial number": "unknownSn",
  "address not allowed": "address",
  "no push comm key": "noKey",
  "wrong push comm key": "wrongKey",
  "no handshake from this address": "noHandshake",
};
const SN = /^[A-Za-z0-9_.-]{1,64}$/;

function blank() {
  return { name: "", sn: "", kind: "zk-tcp", host: "", port: 4370, office: "", push_comm_key: "", allow_from: "" };
}

export default {
  setup() {
    const { t } = useI18n();
    const devices = ref([]);
    const refused = ref([]);
    const loading = ref(false);
    const offices = ref([]);
    const editing = ref(null); // the device being edited, {} when adding
    const form = reactive(blank());
    const formRef = ref(null);
    const syncing = ref("");
    const result = ref(null);
    const writer = computed(canWrite);
    const admin = computed(() => can(["admin"]));
    const isPush = computed(() => form.kind === "zk-push");

    const rules = computed(() => ({
      name: [{ required: true, message: t("validation.required", { field: t("terminals.name") }), trigger: "blur" }],
      office: [{ required: true, message: t("validation.choose", { field: t("terminals.office") }), trigger: "change" }],
      kind: [{ required: true, message: t("validation.choose", { field: t("terminals.kind") }), trigger: "change" }],
      sn: [{ validator: (_r, v, done) => done(
        (isPush.value && !v) ? new Error(t("validation.required", { field: t("terminals.sn") }))
          : v && !SN.test(v) ? new Error(t("validation.sn")) : undefined), trigger: "blur" }],
      host: [{ validator: (_r, v, done) => done(!isPush.value && !v.trim() ? new Error(t("validation.required", { field: t("terminals.host") })) : undefined), trigger: "blur" }],
    }));

    async function load() {
      loading.value = true;
      try {
        [devices.value, refused.value] = await Promise.all([listDevices(), listUnknownPush()]);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function edit(device, preset = {}) {
      editing.value = device || {};
      Object.assign(form, blank(), device ? {
        name: device.name, sn: device.sn || "", kind: device.kind, host: device.host, port: device.port,
        office: device.office || "", allow_from: device.allow_from.join(", "),
      } : preset);
      setTimeout(() => formRef.value && formRef.value.clearValidate(), 0);
    }

    async function save() {
      if (!(await formRef.value.validate().catch(() => false))) return;
      const fields = {
        name: form.name.trim(), sn: form.sn.trim() || null, kind: form.kind, host: form.host.trim(),
        port: Number(form.port), office: form.office,
        allow_from: isPush.value ? form.allow_from.split(/[\s,\uFF0C]+/).filter(Boolean) : [],
      };
      if (isPush.value && form.push_comm_key) fields.push_comm_key = form.push_comm_key;
      try {
        if (editing.value.name) await updateDevice(editing.value.sn || editing.value.name, fields);
        else await createDevice(fields);
        ElMessage.success(t("terminals.saved", { name: fields.name }));
        editing.value = null;
        load();
      } catch (error) {
        showError(error);
      }
    }

    async function sync(device) {
      syncing.value = device.name;
      try {
        result.value = await syncDevice(device.sn || device.name);
        load();
      } catch (error) {
        showError(error);
        load();
      } finally {
        syncing.value = "";
      }
    }

    const offset = (seconds) => offsetText(seconds, t);

    onMounted(async () => {
      load();
      try {
        offices.value = await knownOffices();
      } catch (error) {
        showError(error);
      }
    });
    return {
      devices, refused, loading, offices, editing, form, formRef, rules, syncing, result, writer, admin, isPush, isPhone,
      STATE_TYPES, KINDS, load, edit, save, sync, offset,
      stateKey: (state) => state.replace(" ", "_"),
      kindLabel: (kind) => (KINDS.includes(kind) ? t(`terminals.kinds.${kind.replace("-", "_")}`) : kind),
      refusal: (reason) => (REFUSALS[reason] ? t(`terminals.refusal.${REFUSALS[reason]}`) : reason),
      when: (value, office) => dateTime(value, zoneOf(office)),
      seen: (value) => dateTime(value, DEFAULT_ZONE),
      addRefused: (row) => edit(null, { kind: "zk-push", sn: row.serial_number, name: row.serial_number, allow_from: row.address.split(":")[0] }),
    };
  },
  template: `
<div class="page" v-loading="loading">
  <div class="page-head">
    <h2 class="page-title">{{ $t('terminals.title') }}</h2>
    <span class="spacer"></span>
    <el-button @click="load"><el-icon><IconRefresh /></el-icon><span>{{ $t('common.refresh') }}</span></el-button>
    <el-button v-if="admin" type="primary" @click="edit(null)" data-test="terminal-add"><el-icon><IconPlus /></el-icon><span>{{ $t('terminals.add') }}</span></el-button>
  </div>
  <p class="muted intro">{{ $t('terminals.intro') }}</p>
  <el-card shadow="never" class="block">
    <div v-if="isPhone" class="line-cards" data-test="terminals">
      <div v-for="row in devices" :key="row.name" class="line-card" :data-terminal="row.name">
        <div class="line-head"><strong>{{ row.name }}</strong><el-tag :type="STATE_TYPES[row.health.state]" effect="dark" size="small">{{ $t('terminal.state.' + stateKey(row.health.state)) }}</el-tag></div>
        <div class="muted">{{ row.office }} · {{ kindLabel(row.kind) }} · {{ row.sn || $t('common.none') }}</div>
        <div v-for="p in row.health.problems" :key="p.code" class="problem"><el-tag size="small" :type="row.health.state === 'failing' ? 'danger' : 'warning'">{{ $t('terminal.problem.' + p.code) }}</el-tag>
          <span v-if="p.clock_offset_s !== null" class="problem-offset">{{ $t('terminal.offset', { offset: offset(p.clock_offset_s) }) }}</span></div>
        <div class="muted">{{ $t('terminals.lastSuccess') }} {{ when(row.health.last_success_at, row.office) || $t('common.none') }}</div>
        <div class="button-row">
          <el-button v-if="writer && row.kind !== 'zk-push'" link type="primary" :loading="syncing === row.name" @click="sync(row)">{{ $t('terminals.sync') }}</el-button>
          <el-button v-if="admin" link type="primary" @click="edit(row)">{{ $t('common.edit') }}</el-button>
        </div>
      </div>
    </div>
    <el-table v-else :data="devices" data-test="terminals" :empty-text="$t('terminals.none')">
      <el-table-column :label="$t('terminals.name')" min-width="120"><template #default="{ row }"><strong :data-terminal="row.name">{{ row.name }}</strong><div class="muted">{{ row.sn || $t('common.none') }}</div></template></el-table-column>
      <el-table-column :label="$t('terminals.office')" prop="office" min-width="110" />
      <el-table-column :label="$t('terminals.kind')" min-width="130"><template #default="{ row }">{{ kindLabel(row.kind) }}<div class="muted">{{ row.host ? row.host + ':' + row.port : $t('terminals.pushes') }}</div></template></el-table-column>
      <el-table-column :label="$t('terminals.state')" width="100"><template #default="{ row }"><el-tag :type="STATE_TYPES[row.health.state]" effect="dark" :data-state="row.health.state">{{ $t('terminal.state.' + stateKey(row.health.state)) }}</el-tag>
        <div v-if="row.health.realtime" class="muted small-text" :data-realtime="row.health.realtime.state">{{ $t('terminal.realtime.' + row.health.realtime.state, { since: when(row.health.realtime.since, row.office) || '—', event: when(row.health.realtime.last_event_at, row.office) || '—' }) }}</div></template></el-table-column>
      <el-table-column :label="$t('terminals.problems')" min-width="210"><template #default="{ row }">
        <span v-if="!row.health.problems.length" class="muted">{{ $t('dashboard.noProblems') }}</span>
        <div v-for="p in row.health.problems" :key="p.code" class="problem" :data-problem="p.code">
          <el-tag size="small" :type="row.health.state === 'failing' ? 'danger' : 'warning'">{{ $t('terminal.problem.' + p.code) }}</el-tag>
          <span v-if="p.clock_offset_s !== null" class="problem-offset">{{ $t('terminal.offset', { offset: offset(p.clock_offset_s) }) }}</span>
        </div></template></el-table-column>
      <el-table-column :label="$t('terminals.lastSuccess')" width="140"><template #default="{ row }">{{ when(row.health.last_success_at, row.office) || $t('terminals.never') }}</template></el-table-column>
      <el-table-column :label="$t('terminals.lastError')" min-width="170"><template #default="{ row }">
        <template v-if="row.health.last_error"><div>{{ when(row.health.last_error_at, row.office) }}</div><div class="muted small-text">{{ row.health.last_error }}</div>
          <div v-if="row.health.consecutive_failures" class="muted small-text">{{ $t('terminals.failures', { n: row.health.consecutive_failures }) }}</div></template>
        <span v-else class="muted">{{ $t('common.none') }}</span></template></el-table-column>
      <el-table-column :label="$t('terminals.records')" width="110"><template #default="{ row }"><span class="num">{{ row.health.record_count === null ? $t('common.none') : $t('terminals.recordsOf', { n: row.health.record_count, of: row.health.record_capacity ?? '?' }) }}</span></template></el-table-column>
      <el-table-column v-if="writer" :label="$t('common.actions')" width="130" fixed="right"><template #default="{ row }">
        <el-button v-if="row.kind !== 'zk-push'" link type="primary" :loading="syncing === row.name" @click="sync(row)" data-test="terminal-sync">{{ $t('terminals.sync') }}</el-button>
        <el-button v-if="admin" link type="primary" @click="edit(row)">{{ $t('common.edit') }}</el-button></template></el-table-column>
    </el-table>
  </el-card>

  <el-card shadow="never" class="block">
    <template #header><strong>{{ $t('terminals.refusedTitle') }}</strong></template>
    <p class="muted intro">{{ $t('terminals.refusedIntro') }}</p>
    <el-table :data="refused" data-test="refused-push" :empty-text="$t('terminals.noRefused')">
      <el-table-column :label="$t('terminals.sn')" prop="serial_number" min-width="130" />
      <el-table-column :label="$t('terminals.address')" prop="address" min-width="120" />
      <el-table-column :label="$t('terminals.reason')" min-width="160"><template #default="{ row }">{{ refusal(row.reason) }}</template></el-table-column>
      <el-table-column :label="$t('terminals.attempts')" prop="attempts" width="80" />
      <el-table-column :label="$t('terminals.lastSeen')" width="140"><template #default="{ row }">{{ seen(row.last_seen) }}</template></el-table-column>
      <el-table-column v-if="admin" :label="$t('common.actions')" width="110"><template #default="{ row }">
        <el-button v-if="row.reason === 'unknown serial number'" link type="primary" @click="addRefused(row)" data-test="refused-add">{{ $t('terminals.addThis') }}</el-button></template></el-table-column>
    </el-table>
  </el-card>

  <el-dialog :model-value="result !== null" :title="$t('terminals.syncTitle')" width="min(460px, 94vw)" @close="result = null">
    <el-descriptions v-if="result" :column="1" border data-test="sync-result">
      <el-descriptions-item :label="$t('terminals.name')">{{ result.device }}</el-descriptions-item>
      <el-descriptions-item :label="$t('terminals.read')">{{ result.read }}</el-descriptions-item>
      <el-descriptions-item :label="$t('terminals.new')">{{ result.new }}</el-descriptions-item>
      <el-descriptions-item :label="$t('terminals.duplicate')">{{ result.duplicate }}</el-descriptions-item>
      <el-descriptions-item :label="$t('terminals.quarantined')">{{ result.quarantined }}</el-descriptions-item>
      <el-descriptions-item :label="$t('terminals.clock')">{{ result.clock_offset_s === null ? $t('common.none') : offset(result.clock_offset_s) }}{{ result.clock_set ? ' · ' + $t('terminals.clockSet') : '' }}</el-descriptions-item>
      <el-descriptions-item :label="$t('terminals.cleared')">{{ result.cleared ? $t('common.yes') : $t('common.no') }}</el-descriptions-item>
      <el-descriptions-item v-if="result.note" :label="$t('terminals.note')">{{ result.note }}</el-descriptions-item>
    </el-descriptions>
    <template #footer><el-button type="primary" @click="result = null">{{ $t('common.close') }}</el-button></template>
  </el-dialog>

  <el-dialog :model-value="editing !== null" :title="editing && editing.name ? $t('terminals.editTitle', { name: editing.name }) : $t('terminals.addTitle')" width="min(520px, 96vw)" @close="editing = null">
    <el-form ref="formRef" :model="form" :rules="rules" label-width="auto" data-test="terminal-form">
      <el-form-item :label="$t('terminals.name')" prop="name"><el-input v-model="form.name" name="name" maxlength="100" /></el-form-item>
      <el-form-item :label="$t('terminals.kind')" prop="kind">
        <el-select v-model="form.kind"><el-option v-for="k in KINDS" :key="k" :value="k" :label="kindLabel(k)" /></el-select>
      </el-form-item>
      <el-form-item :label="$t('terminals.office')" prop="office">
        <el-select v-model="form.office" data-test="terminal-office"><el-option v-for="o in offices" :key="o" :value="o" :label="o" /></el-select>
      </el-form-item>
      <el-form-item :label="$t('terminals.sn')" prop="sn"><el-input v-model="form.sn" name="sn" :placeholder="isPush ? '' : $t('terminals.snHint')" /></el-form-item>
      <template v-if="!isPush">
        <el-form-item :label="$t('terminals.host')" prop="host"><el-input v-model="form.host" name="host" /></el-form-item>
        <el-form-item :label="$t('terminals.port')" prop="port"><el-input-number v-model="form.port" :min="1" :max="65535" controls-position="right" /></el-form-item>
      </template>
      <template v-else>
        <el-form-item :label="$t('terminals.pushKey')" prop="push_comm_key"><el-input v-model="form.push_comm_key" name="push_comm_key" type="password" show-password :placeholder="$t('terminals.pushKeyHint')" /></el-form-item>
        <el-form-item :label="$t('terminals.allowFrom')" prop="allow_from"><el-input v-model="form.allow_from" name="allow_from" :placeholder="$t('terminals.allowFromHint')" /></el-form-item>
      </template>
    </el-form>
    <template #footer>
      <el-button @click="editing = null">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" @click="save" data-test="terminal-save">{{ $t('common.save') }}</el-button>
    </template>
  </el-dialog>
</div>`,
};
