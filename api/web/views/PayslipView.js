// One payslip (HR's /payslips/:id, an employee's /my/payslips/:id; the API decides what the session may see).
import { onMounted, ref, watch } from "vue";
import { useRoute } from "vue-router";
import { getPayslip } from "../api/payslips.js";
import { showError } from "../components/notify.js";
import PayslipDetail from "../components/PayslipDetail.js";
import PayslipReceipt from "../components/PayslipReceipt.js";

export default {
  components: { PayslipDetail, PayslipReceipt },
  setup() {
    const route = useRoute();
    const slip = ref(null);
    const loading = ref(false);
    async function load() {
      loading.value = true;
      try {
        slip.value = await getPayslip(route.params.id);
      } catch (error) {
        showError(error);
      } finally {
        loading.value = false;
      }
    }
    onMounted(load);
    watch(() => route.params.id, (id) => id && load());
    return { slip, loading };
  },
  template: `
<div class="page slip-page" v-loading="loading">
  <el-page-header class="block" :title="$t('payslip.back')" @back="$router.back()">
    <template #content><span v-if="slip" class="page-title">{{ $t('payslip.title', { name: slip.name, employee: slip.employee, period: slip.period }) }}</span></template>
  </el-page-header>
  <PayslipDetail v-if="slip" :slip="slip" />
  <PayslipReceipt v-if="slip && $route.name === 'my-payslip'" :key="slip.id" :payslip="slip.id" />
</div>`,
};
