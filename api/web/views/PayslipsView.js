// HR's payslip search: by month and employee code, a page at a time (the API's cursor), newest month first.
import { onMounted, reactive, ref } from "vue";
import { useRouter } from "vue-router";
import { listPayslips } from "../api/payslips.js";
import { showError } from "../components/notify.js";
import StatusTag from "../components/StatusTag.js";
import { yuan } from "../format.js";
import { isPhone } from "../viewport.js";

const PAGE = 50;

export default {
  components: { StatusTag },
  setup() {
    const router = useRouter();
    const filter = reactive({ period: "", employee: "" });
    const items = ref([]);
    const loading = ref(false);
    // cursors[n] opens page n + 1; the next page's cursor comes with each answer.
    const cursors = ref([null]);
    const pageIndex = ref(0);
    const nextCursor = ref(null);

    async function load() {
      loading.value = true;
      try {
        const page = await listPayslips({
          period: filter.period || undefined,
          employee: filter.employee.trim() || undefined,
          cursor: cursors.value[pageIndex.value] || undefined,
          limit: PAGE,
        });
        items.value = page.items;
        nextCursor.value = page.next_cursor;
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    function search() {
      cursors.value = [null];
      pageIndex.value = 0;
      load();
    }
    function reset() {
      filter.period = "";
      filter.employee = "";
      search();
    }
    function next() {
      cursors.value[pageIndex.value + 1] = nextCursor.value;
      pageIndex.value += 1;
      load();
    }
    function prev() {
      pageIndex.value -= 1;
      load();
    }
    onMounted(load);
    return {
      filter, items, loading, pageIndex, nextCursor, search, reset, next, prev, yuan, isPhone,
      open: (slip) => router.push({ name: "payslip", params: { id: slip.id } }),
    };
  },
  template: `
<div class="page">
  <h2 class="page-title">{{ $t('payslips.title') }}</h2>
  <el-card shadow="never" class="block">
    <el-form :inline="true" :model="filter" @submit.prevent="search" class="filter-form">
      <el-form-item :label="$t('payslips.period')"><el-date-picker v-model="filter.period" type="month" value-format="YYYY-MM" format="YYYY-MM" clearable /></el-form-item>
      <el-form-item :label="$t('payslips.employee')"><el-input v-model="filter.employee" clearable class="code-input" /></el-form-item>
      <el-form-item>
        <el-button type="primary" native-type="submit"><el-icon><IconSearch /></el-icon><span>{{ $t('common.search') }}</span></el-button>
        <el-button @click="reset">{{ $t('common.reset') }}</el-button>
      </el-form-item>
    </el-form>
  </el-card>
  <el-card shadow="never">
    <div v-if="isPhone" class="line-cards" v-loading="loading" data-test="payslips">
      <p v-if="!loading && !items.length" class="muted">{{ $t('payslips.none') }}</p>
      <div v-for="row in items" :key="row.id" class="line-card clickable" @click="open(row)">
        <div class="line-head"><span><strong>{{ row.employee }}</strong> {{ row.name }}</span><span class="num">{{ yuan(row.net_fen) }}</span></div>
        <div class="muted">{{ row.period }} · <StatusTag :status="row.status" /></div>
      </div>
    </div>
    <el-table v-else :data="items" v-loading="loading" data-test="payslips" :empty-text="$t('payslips.none')" @row-click="open" row-class-name="clickable">
      <el-table-column :label="$t('payslips.period')" prop="period" width="100" />
      <el-table-column :label="$t('payslips.run')" prop="payrun" width="70" />
      <el-table-column :label="$t('payslips.status')" width="100"><template #default="{ row }"><StatusTag :status="row.status" /></template></el-table-column>
      <el-table-column :label="$t('payslips.employee')" prop="employee" width="120" />
      <el-table-column :label="$t('payslips.name')" prop="name" min-width="120" />
      <el-table-column :label="$t('payslips.gross')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.gross_fen) }}</span></template></el-table-column>
      <el-table-column :label="$t('payslips.iit')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.iit_fen) }}</span></template></el-table-column>
      <el-table-column :label="$t('payslips.net')" align="right"><template #default="{ row }"><span class="num">{{ yuan(row.net_fen) }}</span></template></el-table-column>
    </el-table>
    <div class="pager">
      <el-button :disabled="pageIndex === 0" @click="prev">{{ $t('common.prev') }}</el-button>
      <el-button :disabled="!nextCursor" @click="next">{{ $t('common.next') }}</el-button>
    </div>
  </el-card>
</div>`,
};
