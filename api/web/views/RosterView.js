// 排班: an office's month roster (components/RosterGrid) for HR and admin to edit and for viewers and managers to
// read (a manager gets the rows of their departments; the API decides which). A click on a cell chooses one of
// the office's shifts or 休; the changes wait, marked, until one 保存 sends them all to PUT /rosters/cells, which
// writes all or none — a refusal is shown beside the grid and the changes stay for the clerk to fix. 批量排班
// writes a pattern over a range (RosterAssign); the month goes out and comes back as Excel (RosterImport).
import { ElMessage } from "element-plus";
import { computed, onMounted, reactive, ref, watch } from "vue";
import { useI18n } from "vue-i18n";
import { useRoute, useRouter } from "vue-router";
import { listDepartments } from "../api/departments.js";
import { newestOnly } from "../api/http.js";
import { downloadRoster, getRoster, saveCells } from "../api/rosters.js";
import { auth, canWrite } from "../auth.js";
import { showError } from "../components/notify.js";
import { knownOffices } from "../components/offices.js";
import RosterAssign from "../components/RosterAssign.js";
import RosterGrid from "../components/RosterGrid.js";
import RosterImport from "../components/RosterImport.js";
import { shiftColours } from "../components/shiftColours.js";

function thisMonth() {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
}

// The offices the picker offers: staff see every office (the dashboard's list); a manager those of the
// departments the API lists for them.
async function rosterOffices() {
  if (auth.me.role !== "manager") return knownOffices();
  return [...new Set((await listDepartments()).map((d) => d.office))].sort();
}

const CLEAR = Symbol("clear"); // a pending change that removes the day's own cell

export default {
  components: { RosterAssign, RosterGrid, RosterImport },
  setup() {
    const { t } = useI18n();
    const route = useRoute();
    const router = useRouter();
    const offices = ref([]);
    const office = ref(String(route.query.office || ""));
    const month = ref(String(route.query.period || thisMonth()));
    const roster = ref(null);
    const loading = ref(false);
    const changes = reactive(new Map()); // "day index|employee" → shift name, null (a rest day) or CLEAR
    const picked = ref(null); // { row, d } of the cell being chosen
    const saving = ref(false);
    const refusal = ref(null); // the API's refusal of the last save, shown beside the grid
    const writer = computed(canWrite);
    const assignRef = ref(null);
    const importRef = ref(null);
    const newest = newestOnly();

    const key = (row, d) => `${d}|${row.employee}`;
    // A pending "back to default" shows the saved cell (dashed) until the save reloads what the default gives.
    const cellOf = (row, d) => (changes.has(key(row, d)) && changes.get(key(row, d)) !== CLEAR ? changes.get(key(row, d)) : row.cells[d]);
    const edited = (row, d) => changes.has(key(row, d));
    const colours = computed(() => (roster.value ? shiftColours(roster.value.shifts) : {}));

    async function load() {
      if (!office.value || !month.value) return;
      router.replace({ query: { office: office.value, period: month.value } });
      const isNewest = newest();
      loading.value = true;
      try {
        const answer = await getRoster(office.value, month.value);
        if (!isNewest()) return;
        roster.value = answer;
        changes.clear();
        refusal.value = null;
      } catch (error) {
        if (!isNewest()) return;
        roster.value = null;
        showError(error);
      } finally {
        if (isNewest()) loading.value = false;
      }
    }

    function choose(shift) {
      const { row, d } = picked.value;
      if (shift === row.cells[d]) changes.delete(key(row, d));
      else changes.set(key(row, d), shift);
      picked.value = null;
    }

    async function save() {
      const cells = [...changes.entries()].map(([k, shift]) => {
        const bar = k.indexOf("|");
        const cell = { employee: k.slice(bar + 1), date: roster.value.days[Number(k.slice(0, bar))] };
        return shift === CLEAR ? { ...cell, shift: null, clear: true } : { ...cell, shift };
      });
      saving.value = true;
      try {
        const written = await saveCells(office.value, cells);
        ElMessage.success(t("roster.saved", { n: written.cells }));
        await load();
      } catch (error) {
        refusal.value = { title: t(`errors.${error.kind}`), detail: error.detail };
      } finally {
        saving.value = false;
      }
    }

    async function exportSheet() {
      try {
        await downloadRoster(office.value, month.value);
      } catch (error) {
        showError(error);
      }
    }

    onMounted(async () => {
      try {
        offices.value = await rosterOffices();
      } catch (error) {
        showError(error);
      }
      if (!office.value && offices.value.length) office.value = offices.value[0];
    });
    watch([office, month], load, { immediate: true });
    // a link or the back button to another office or month of this screen reuses the view: follow its query
    watch(() => route.query, (query) => {
      if (query.office) office.value = String(query.office);
      if (query.period) month.value = String(query.period);
    });

    return {
      CLEAR, offices, office, month, roster, loading, changes, picked, saving, refusal, writer, colours, assignRef, importRef,
      cellOf, edited, load, choose, save, exportSheet,
      pick: (row, d) => (picked.value = { row, d }),
      discard: () => { changes.clear(); refusal.value = null; },
      pickedTitle: () => (picked.value ? t("roster.pickTitle", { name: picked.value.row.name, date: roster.value.days[picked.value.d] }) : ""),
    };
  },
  template: `
<div class="page">
  <div class="page-head"><h2 class="page-title">{{ $t('roster.title') }}</h2></div>
  <el-card shadow="never" class="block">
    <el-form inline class="filter-form" @submit.prevent>
      <el-form-item :label="$t('roster.office')">
        <el-select v-model="office" class="filter-select" data-test="roster-office"><el-option v-for="o in offices" :key="o" :value="o" :label="o" /></el-select>
      </el-form-item>
      <el-form-item :label="$t('roster.month')"><el-date-picker v-model="month" type="month" value-format="YYYY-MM" format="YYYY-MM" :clearable="false" data-test="roster-month" /></el-form-item>
      <el-form-item v-if="roster && writer">
        <div class="button-row">
          <el-button @click="exportSheet" data-test="roster-export"><el-icon><IconDownload /></el-icon><span>{{ $t('roster.export') }}</span></el-button>
          <el-button @click="importRef.show()" data-test="roster-import"><el-icon><IconUpload /></el-icon><span>{{ $t('roster.import') }}</span></el-button>
          <el-button @click="assignRef.show()" data-test="roster-assign"><el-icon><IconCalendar /></el-icon><span>{{ $t('roster.assign') }}</span></el-button>
        </div>
      </el-form-item>
    </el-form>
  </el-card>
  <el-empty v-if="!roster && !loading" :description="$t('roster.pick')" />
  <div v-else v-loading="loading">
    <template v-if="roster">
      <div class="legend muted" data-test="roster-legend">
        <span v-for="s in roster.shifts" :key="s.name" class="legend-item"><span class="swatch" :style="{ background: colours[s.name].bg }"></span>{{ $t('roster.shiftTimes', { shift: s.name, start: s.start, end: s.end }) }}</span>
        <span class="legend-item"><span class="swatch"></span>{{ $t('roster.legendRest') }}</span>
        <span class="legend-item"><span class="swatch type-rest_day"></span>{{ $t('roster.legendRestDay') }}</span>
        <span class="legend-item"><span class="swatch type-holiday"></span>{{ $t('roster.legendHoliday') }}</span>
        <span class="legend-item"><span class="swatch own-mark"></span>{{ $t('roster.legendOwn') }}</span>
      </div>
      <div v-if="writer" class="roster-bar block">
        <span class="muted" data-test="roster-changes">{{ changes.size ? $t('roster.pending', { n: changes.size }) : $t('roster.clickToEdit') }}</span>
        <el-button :disabled="!changes.size" @click="discard" data-test="roster-discard">{{ $t('roster.discard') }}</el-button>
        <el-button type="primary" :disabled="!changes.size" :loading="saving" @click="save" data-test="roster-save">{{ $t('roster.save') }}</el-button>
      </div>
      <el-alert v-if="refusal" type="error" :closable="false" show-icon class="block" :title="$t('roster.refused', { reason: refusal.title })" data-test="roster-refusal">
        <div class="problem-detail">{{ refusal.detail }}</div>
      </el-alert>
      <el-empty v-if="!roster.rows.length" :description="$t('roster.noRows')" />
      <RosterGrid v-else :roster="roster" :colours="colours" :cell-of="cellOf" :edited="edited" :editable="writer" @pick="pick" />
    </template>
  </div>

  <el-dialog :model-value="picked !== null" :title="pickedTitle()" width="min(360px, 96vw)" @close="picked = null" data-test="roster-pick">
    <div v-if="picked" class="shift-choices">
      <el-button v-for="s in roster.shifts" :key="s.name" class="shift-choice" :style="{ background: colours[s.name].bg, color: colours[s.name].fg }"
        :data-shift="s.name" @click="choose(s.name)">{{ $t('roster.shiftTimes', { shift: s.name, start: s.start, end: s.end }) }}</el-button>
      <el-button class="shift-choice" data-shift="" @click="choose(null)">{{ $t('roster.rest') }}</el-button>
      <el-button v-if="roster.rows.length && picked.row.own[picked.d]" class="shift-choice" data-shift="clear" @click="choose(CLEAR)">{{ $t('roster.useDefault') }}</el-button>
    </div>
  </el-dialog>
  <RosterAssign v-if="roster" ref="assignRef" :office="office" :roster="roster" @assigned="load" />
  <RosterImport v-if="roster" ref="importRef" :office="office" :period="month" @imported="load" />
</div>`,
};
