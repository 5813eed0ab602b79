// Quarantine: punches of badges no employee has, grouped by badge (pin) and terminal with counts and first and
// last seen on the terminal's clock. Select several and give each to an employee in one action (the bulk map,
// all or none: a refusal lists every item), or dismiss a group whose punches belong to nobody.
import { ElMessage, ElMessageBox } from "element-plus";
import { computed, onMounted, ref } from "vue";
import { useI18n } from "vue-i18n";
import { allBadgeGroups, dismissEntry, mapBadges, openEntriesOf } from "../api/quarantine.js";
import { canWrite } from "../auth.js";
import EmployeePicker from "../components/EmployeePicker.js";
import { showError } from "../components/notify.js";
import RowReport from "../components/RowReport.js";
import { localDateTime } from "../format.js";
import { isPhone } from "../viewport.js";

export default {
  components: { EmployeePicker, RowReport },
  setup() {
    const { t } = useI18n();
    const groups = ref([]);
    const loading = ref(false);
    const selected = ref([]);
    const mapping = ref(null); // [{group, employee, thisTerminal}] while the dialog is open
    const problems = ref([]);
    const busy = ref(false);
    const writer = computed(canWrite);
    const total = computed(() => groups.value.reduce((sum, g) => sum + g.punches, 0));

    async function load() {
      loading.value = true;
      try {
        groups.value = await allBadgeGroups("open");
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }

    function startMap(rows) {
      problems.value = [];
      mapping.value = rows.map((group) => ({ group, employee: "", thisTerminal: false }));
    }

    async function map() {
      if (mapping.value.some((m) => !m.employee)) return ElMessage.error(t("quarantine.chooseEveryone"));
      busy.value = true;
      try {
        const answer = await mapBadges(mapping.value.map((m) => ({
          pin: m.group.pin, device_sn: m.thisTerminal ? m.group.device_sn : null, employee: m.employee,
        })));
        mapping.value = null;
        selected.value = [];
        ElMessage.success(t("quarantine.mapped", { n: answer.items.length, punches: answer.remapped_punches }));
        load();
      } catch (error) {
        problems.value = error.rows;
        if (!error.rows.length) showError(error);
      } finally {
        busy.value = false;
      }
    }

    async function dismiss(group) {
      let reason;
      try {
        ({ value: reason } = await ElMessageBox.prompt(
          t("quarantine.dismissPrompt", { pin: group.pin, n: group.punches }), t("quarantine.dismissTitle"),
          { inputValidator: (v) => Boolean(v && v.trim()) || t("validation.required", { field: t("quarantine.reason") }), type: "warning" },
        ));
      } catch {
        return;
      }
      try {
        const entries = await openEntriesOf(group);
        for (const entry of entries) await dismissEntry(entry.id, reason.trim());
        ElMessage.success(t("quarantine.dismissed", { pin: group.pin, n: entries.length }));
      } catch (error) {
        showError(error);
      }
      load();
    }

    onMounted(load);
    return {
      groups, loading, selected, mapping, problems, busy, writer, total, isPhone, load, startMap, map, dismiss,
      local: (value) => localDateTime(value) || value,
      where: (g) => g.device ? `${g.device} (${g.device_sn})` : g.device_sn,
    };
  },
  template: `
<div class="page">
  <div class="page-head">
    <h2 class="page-title">{{ $t('quarantine.title') }}</h2>
    <span class="spacer"></span>
    <el-button @click="load"><el-icon><IconRefresh /></el-icon><span>{{ $t('common.refresh') }}</span></el-button>
    <el-button v-if="writer" type="primary" :disabled="!selected.length" @click="startMap(selected)" data-test="map-selected"><el-icon><IconUser /></el-icon><span>{{ $t('quarantine.mapSelected', { n: selected.length }) }}</span></el-button>
  </div>
  <p class="muted intro">{{ $t('quarantine.intro') }}</p>
  <el-alert v-if="groups.length" type="warning" :closable="false" show-icon class="block" :title="$t('quarantine.summary', { groups: groups.length, punches: total })" />
  <el-card shadow="never" v-loading="loading">
    <div v-if="isPhone" class="line-cards" data-test="quarantine">
      <p v-if="!loading && !groups.length" class="muted">{{ $t('quarantine.none') }}</p>
      <div v-for="g in groups" :key="g.pin + '@' + g.device_sn" class="line-card" :data-pin="g.pin">
        <div class="line-head"><strong>{{ $t('quarantine.pinOf', { pin: g.pin }) }}</strong><span>{{ $t('units.times', { n: g.punches }) }}</span></div>
        <div class="muted">{{ where(g) }} · {{ g.office || $t('common.none') }}</div>
        <div class="muted">{{ local(g.first_seen_local) }} ~ {{ local(g.last_seen_local) }}</div>
        <div v-if="writer" class="button-row">
          <el-button link type="primary" @click="startMap([g])">{{ $t('quarantine.map') }}</el-button>
          <el-button link type="danger" @click="dismiss(g)">{{ $t('quarantine.dismiss') }}</el-button>
        </div>
      </div>
    </div>
    <el-table v-else :data="groups" data-test="quarantine" :empty-text="$t('quarantine.none')" @selection-change="(rows) => (selected = rows)">
      <el-table-column v-if="writer" type="selection" width="44" />
      <el-table-column :label="$t('quarantine.pin')" prop="pin" width="110"><template #default="{ row }"><strong :data-pin="row.pin">{{ row.pin }}</strong></template></el-table-column>
      <el-table-column :label="$t('quarantine.terminal')" min-width="170"><template #default="{ row }">{{ where(row) }}</template></el-table-column>
      <el-table-column :label="$t('quarantine.office')" min-width="110"><template #default="{ row }">{{ row.office || $t('common.none') }}</template></el-table-column>
      <el-table-column :label="$t('quarantine.punches')" prop="punches" width="90" align="right" />
      <el-table-column :label="$t('quarantine.firstSeen')" width="140"><template #default="{ row }">{{ local(row.first_seen_local) }}</template></el-table-column>
      <el-table-column :label="$t('quarantine.lastSeen')" width="140"><template #default="{ row }">{{ local(row.last_seen_local) }}</template></el-table-column>
      <el-table-column v-if="writer" :label="$t('common.actions')" width="150" fixed="right"><template #default="{ row }">
        <el-button link type="primary" @click="startMap([row])" data-test="map-one">{{ $t('quarantine.map') }}</el-button>
        <el-button link type="danger" @click="dismiss(row)">{{ $t('quarantine.dismiss') }}</el-button></template></el-table-column>
    </el-table>
  </el-card>

  <el-dialog :model-value="mapping !== null" :title="$t('quarantine.mapTitle')" width="min(640px, 96vw)" @close="mapping = null" data-test="map-dialog">
    <p class="muted">{{ $t('quarantine.mapIntro') }}</p>
    <RowReport :rows="problems" :title="$t('quarantine.mapRefused', { n: problems.length })" />
    <div v-for="(m, i) in mapping || []" :key="i" class="map-row" :data-pin="m.group.pin">
      <div class="map-badge"><strong>{{ $t('quarantine.pinOf', { pin: m.group.pin }) }}</strong><span class="muted">{{ where(m.group) }} · {{ $t('units.times', { n: m.group.punches }) }}</span></div>
      <EmployeePicker v-model="m.employee" />
      <el-checkbox v-model="m.thisTerminal">{{ $t('quarantine.thisTerminalOnly') }}</el-checkbox>
    </div>
    <template #footer>
      <el-button @click="mapping = null">{{ $t('common.cancel') }}</el-button>
      <el-button type="primary" :loading="busy" @click="map" data-test="map-submit">{{ $t('quarantine.mapSubmit') }}</el-button>
    </template>
  </el-dialog>
</div>`,
};
