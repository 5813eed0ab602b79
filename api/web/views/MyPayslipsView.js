// An employee's own payslips of locked runs, as cards (phone first); one tap opens the payslip.
import { onMounted, ref } from "vue";
import { useRouter } from "vue-router";
import { listPayslips } from "../api/payslips.js";
import { showError } from "../components/notify.js";
import { yuan } from "../format.js";

export default {
  setup() {
    const router = useRouter();
    const slips = ref([]);
    const loading = ref(false);
    const nextCursor = ref(null);
    async function load(cursor) {
      loading.value = true;
      try {
        const page = await listPayslips({ cursor: cursor || undefined, limit: 24 });
        slips.value = cursor ? slips.value.concat(page.items) : page.items;
        nextCursor.value = page.next_cursor;
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    onMounted(() => load(null));
    return {
      slips, loading, nextCursor, yuan,
      more: () => load(nextCursor.value),
      open: (slip) => router.push({ name: "my-payslip", params: { id: slip.id } }),
    };
  },
  template: `
<div class="page phone-page" v-loading="loading">
  <h2 class="page-title">{{ $t('my.payslipsTitle') }}</h2>
  <p class="muted">{{ $t('my.payslipsIntro') }}</p>
  <el-empty v-if="!loading && !slips.length" :description="$t('my.noPayslips')" />
  <div class="slip-cards" data-test="my-payslips">
    <el-card v-for="slip in slips" :key="slip.id" shadow="hover" class="slip-card" :data-payslip="slip.id" @click="open(slip)">
      <div class="slip-card-head"><strong>{{ slip.period }}</strong><el-icon><IconArrowRight /></el-icon></div>
      <div class="muted">{{ $t('my.netOf') }}</div>
      <div class="slip-amount">{{ yuan(slip.net_fen) }}</div>
      <div class="slip-card-foot muted"><span>{{ $t('my.grossOf', { amount: yuan(slip.gross_fen) }) }}</span><span>{{ $t('my.iitOf', { amount: yuan(slip.iit_fen) }) }}</span></div>
    </el-card>
  </div>
  <el-button v-if="nextCursor" class="block" @click="more">{{ $t('common.next') }}</el-button>
</div>`,
};
